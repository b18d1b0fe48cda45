import { Counter, Registry } from 'prom-client';

/** Why a round admitted fewer calls than a campaign has contacts waiting (labels, never campaign ids: unbounded). */
export const ADMISSION_REFUSALS = ['concurrency', 'pace', 'hours', 'no_from_number', 'do_not_call'] as const;
export type AdmissionRefusal = (typeof ADMISSION_REFUSALS)[number];

export interface CampaignMetrics {
  /** Campaign calls admitted (contact marked `calling`, call row written for dispatch). */
  admitted: Counter;
  /** Ends of campaign calls by the contact outcome they gave (completed, no_answer, busy, failed). */
  outcomes: Counter<'outcome'>;
  /**
   * Admissions held back, by reason: `concurrency`, `pace`, `no_from_number` and `hours` (outside the campaign's
   * windows) count rounds that stopped on that limit; `hours` also counts each contact passed over for its own hours,
   * and `do_not_call` each contact found on the list at its turn.
   */
  refused: Counter<'reason'>;
}

/** The campaign runner's counters on the service's registry (served at `/metrics`); a private one when none is given. */
export function campaignMetrics(registry: Registry = new Registry()): CampaignMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  return {
    admitted: counter('campaign_calls_admitted_total', 'Campaign calls admitted for dispatch', []),
    outcomes: counter('campaign_contact_outcomes_total', 'Campaign call ends by the contact outcome they gave', ['outcome']),
    refused: counter('campaign_admissions_refused_total', 'Campaign admissions held back, by the limit that held them', ['reason']),
  };
}

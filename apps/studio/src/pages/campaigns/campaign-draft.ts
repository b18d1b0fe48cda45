import type { CampaignCreate, RetryableOutcome } from '@callplane/contracts';
import { browserTimeZone } from '../../components/time-zone-field';
import type { WeeklyWindow } from '../../components/weekly-windows';

/**
 * A campaign as its form holds it: numbers and dates as typed (an empty box is "not set", a bad one goes to the API
 * as it is, which names it), turned into the create body by `draftBody`.
 */
export interface CampaignDraft {
  name: string;
  agent_id: string;
  from_numbers: string[];
  timezone: string;
  windows: WeeklyWindow[];
  concurrency: string;
  max_calls_per_second: string;
  recipient_hours: { start: string; end: string } | null;
  retry: { max_attempts: string; backoff_seconds: string; on: RetryableOutcome[] };
  /** `datetime-local` values, in the viewer's time zone. */
  start_at: string;
  end_at: string;
  webhook_url: string;
}

/** A new campaign's starting values: the API's defaults where it has them (recipient hours 08:00–21:00). */
export const newDraft = (): CampaignDraft => ({
  name: '',
  agent_id: '',
  from_numbers: [],
  timezone: browserTimeZone(),
  windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
  concurrency: '5',
  max_calls_per_second: '',
  recipient_hours: { start: '08:00', end: '21:00' },
  retry: { max_attempts: '3', backoff_seconds: '3600', on: ['no_answer', 'busy'] },
  start_at: '',
  end_at: '',
  webhook_url: '',
});

/** A typed number; an empty box is NaN, which JSON sends as null and the API reports as the missing number it is. */
const num = (s: string): number => (s.trim() === '' ? Number.NaN : Number(s));

/** A `datetime-local` value as ISO-8601 UTC; one the browser cannot read goes as typed, for the API to name. */
const instant = (local: string): string => {
  const t = new Date(local);
  return Number.isNaN(t.getTime()) ? local : t.toISOString();
};

export function draftBody(d: CampaignDraft): CampaignCreate {
  return {
    name: d.name,
    agent_id: d.agent_id,
    from_numbers: d.from_numbers,
    timezone: d.timezone.trim(),
    windows: d.windows,
    concurrency: num(d.concurrency),
    ...(d.max_calls_per_second.trim() ? { max_calls_per_second: num(d.max_calls_per_second) } : {}),
    recipient_hours: d.recipient_hours,
    retry: { max_attempts: num(d.retry.max_attempts), backoff_seconds: num(d.retry.backoff_seconds), on: d.retry.on },
    ...(d.start_at ? { start_at: instant(d.start_at) } : {}),
    ...(d.end_at ? { end_at: instant(d.end_at) } : {}),
    ...(d.webhook_url.trim() ? { webhook_url: d.webhook_url.trim() } : {}),
  };
}

import type { CallType, ErrorCode } from '@callplane/contracts';
import { AppError } from '@callplane/service-kit';
import { Counter, Registry } from 'prom-client';

/**
 * The refusals of a dial request (the dial API's, a studio test call's) that are the platform's decision rather than a
 * bad request: each counted under the error code the caller got (bounded; `do_not_call` is the campaign runner's word
 * too). A missing agent or an invalid body is the caller's mistake, not a refusal, and is not counted.
 */
export const DIAL_REFUSALS = [
  'do_not_call',
  'from_number_not_outbound',
  'test_call_user_quota',
  'test_call_destination_quota',
  'test_call_unsupported_destination',
  'pool_exhausted',
] as const satisfies readonly ErrorCode[];

export interface DialMetrics {
  /** Dial requests admitted (the call recorded for dispatch, now or at its time), by call type. */
  admitted: Counter<'call_type'>;
  /** Dial requests refused, by call type and reason (`DIAL_REFUSALS`). */
  refused: Counter<'call_type' | 'reason'>;
}

/** The dial requests' counters on the service's registry (served at `/metrics`); a private one when none is given. */
export function dialMetrics(registry: Registry = new Registry()): DialMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  return {
    admitted: counter('dial_requests_admitted_total', 'Dial requests (dial API, studio test calls) admitted, by call type', ['call_type']),
    refused: counter('dial_requests_refused_total', 'Dial requests refused, by call type and reason (the error code answered)', ['call_type', 'reason']),
  };
}

const isRefusal = (err: unknown): err is AppError => err instanceof AppError && (DIAL_REFUSALS as readonly string[]).includes(err.code);

/** Runs an admission and counts its outcome: admitted, or refused for one of `DIAL_REFUSALS` (then rethrown as it was). */
export async function countAdmission<T>(metrics: DialMetrics | undefined, callType: CallType, admit: () => Promise<T>): Promise<T> {
  try {
    const admitted = await admit();
    metrics?.admitted.inc({ call_type: callType });
    return admitted;
  } catch (err) {
    if (isRefusal(err)) metrics?.refused.inc({ call_type: callType, reason: err.code });
    throw err;
  }
}

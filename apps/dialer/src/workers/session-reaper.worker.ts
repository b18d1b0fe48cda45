import { startWorkerLoop } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';
import { reapLostCalls } from '../usecases/lost-calls.usecase';

/** A call overdue by the grace period (a minute by default) is ended within a few seconds more. */
const INTERVAL_MS = 5_000;

/**
 * The session reaper: every few seconds, ends `lost` the open calls nothing runs any more (a process that died
 * mid-call, a carrier's or LiveKit's last report that never came), past their maximum and the grace period
 * (`reapLostCalls`). Every dialer replica runs it; claims are row locks, so they share the work and end each call
 * once. `stop` waits for the round in progress.
 */
export function startSessionReaper(deps: DialerDeps, opts: { intervalMs?: number } = {}): { stop(): Promise<void> } {
  return startWorkerLoop({
    name: 'session reaper',
    intervalMs: opts.intervalMs ?? INTERVAL_MS,
    tick: () => reapLostCalls(deps),
    logger: deps.logger,
  });
}

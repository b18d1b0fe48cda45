import { startWorkerLoop } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';
import { dispatchOutboundCall } from '../usecases/dispatch';

export interface SchedulerOptions {
  /** Pause between rounds. Default 500 ms, so a call fires well within 2 s of its time. */
  intervalMs?: number;
  /** Rows claimed per round. Default 50. */
  batchSize?: number;
  /** A row left in `dispatching` this long never reached its dispatch (its process died in between): claim it again. */
  staleDispatchMs?: number;
}

const DEFAULTS = { intervalMs: 500, batchSize: 50, staleDispatchMs: 60_000 };

/**
 * Scheduled calls. The schedule lives in `outbound_calls` (state `scheduled`, `scheduled_at`), so it survives
 * restarts; every replica runs this loop and they share the work through row locks.
 *
 * A background worker; `stop` waits for the round in progress (the dispatches it started are tracked in
 * `deps.inflight`, which the module's drain waits for).
 */
export function startScheduler(deps: DialerDeps, options: SchedulerOptions = {}): { stop(): Promise<void> } {
  const opts = { ...DEFAULTS, ...options };
  return startWorkerLoop({ name: 'scheduler', intervalMs: opts.intervalMs, firstDelayMs: 0, tick: () => runSchedulerRound(deps, opts), logger: deps.logger });
}

/** One round: claims the calls that are due and starts their dispatch. Returns the ids it claimed. */
export async function runSchedulerRound(deps: DialerDeps, options: SchedulerOptions = {}): Promise<string[]> {
  const ids = await claimDueCalls(deps, options);
  for (const id of ids) dispatchClaimed(deps, id);
  if (ids.length) deps.logger.info({ count: ids.length }, 'scheduled calls due: dispatching');
  return ids;
}

/**
 * `startDispatch` for a claimed row, which goes back to the schedule when its dispatch fails before opening the
 * session (a database error, a pool exhausted): while the row is still `dispatching`, nothing was placed, and the
 * next round tries again. Tracked in `deps.inflight` like every dispatch, so a drain waits for it.
 */
function dispatchClaimed(deps: DialerDeps, id: string): void {
  const p = dispatchOutboundCall(deps, id)
    .catch(async (err: unknown) => {
      deps.logger.error({ session_id: id, err }, 'scheduled dispatch failed; the call goes back to the schedule');
      // An immediate call reclaimed after its process died has no time to go back to: the stale reclaim retries it.
      await deps.prisma.outboundCall.updateMany({ where: { id, state: 'dispatching', scheduledAt: { not: null } }, data: { state: 'scheduled', updatedAt: deps.now() } }).catch(() => undefined);
    })
    .finally(() => deps.inflight.delete(p));
  deps.inflight.add(p);
}

/**
 * Moves due rows from `scheduled` to `dispatching` in one statement: the inner SELECT locks them with
 * `FOR UPDATE SKIP LOCKED`, so replicas racing each other claim disjoint rows and each row is claimed once (a row
 * another replica holds is skipped, and once its claim commits the row is no longer `scheduled`). A cancel's
 * conditional update waits on the same lock and then finds the row `dispatching`.
 *
 * Also reclaims rows stuck in `dispatching` past `staleDispatchMs` (claimed by a process that died before
 * opening the session). A dispatch moves its row from `dispatching` to `dispatched` conditionally, in the
 * transaction that opens the session, before it asks LiveKit anything: a reclaim racing a slow original stops there.
 */
export async function claimDueCalls(deps: DialerDeps, options: SchedulerOptions = {}): Promise<string[]> {
  const { batchSize, staleDispatchMs } = { ...DEFAULTS, ...options };
  const now = deps.now();
  const staleBefore = new Date(now.getTime() - staleDispatchMs);
  // Twice a second on every replica, nearly always claiming nothing: on libs/db `Sql`.
  const rows = await deps.sql.query<{ id: string }>(CLAIM_DUE_SQL, [deps.replica, now.toISOString(), staleBefore.toISOString(), batchSize]);
  return rows.map((r) => r.id);
}

const CLAIM_DUE_SQL = `
  UPDATE outbound_calls SET state = 'dispatching', claimed_by = $1, updated_at = $2::timestamp(3)
  WHERE id IN (
    SELECT id FROM outbound_calls
    WHERE (state = 'scheduled' AND scheduled_at <= $2::timestamp(3))
       OR (state = 'dispatching' AND updated_at < $3::timestamp(3))
    ORDER BY scheduled_at NULLS FIRST, id
    LIMIT $4
    FOR UPDATE SKIP LOCKED)
  RETURNING id`;

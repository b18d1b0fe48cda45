import type { CallState } from '@callplane/contracts';
import type { SqlTx } from '@callplane/db';
import { startWorkerLoop } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';
import { hangUp } from '../usecases/hang-up';
import { recordDispatchError } from '../usecases/dispatch-error';
import { releaseLease } from '../usecases/trial-pool';
import { endUnconnectedWebCalls } from '../usecases/web-call.usecase';

const INTERVAL_MS = 1_000;
const BATCH = 20;

interface Overdue {
  id: string;
  tenant_id: string;
  room_name: string | null;
  state: string;
}

type Cut = { error: 'dispatch_timeout'; report: CallState; endReason: 'dispatch_timeout' } | { error: null; report: CallState; endReason: 'max_duration' };
const DISPATCH_TIMEOUT: Cut = { error: 'dispatch_timeout', report: 'failed', endReason: 'dispatch_timeout' };
const MAX_DURATION: Cut = { error: null, report: 'completed', endReason: 'max_duration' };

/**
 * Ends studio test calls that overstay, every second: one not ringing within `testCallDispatchTimeoutSeconds` of its
 * dispatch (`error: dispatch_timeout`, reported `failed`), and one live longer than `testCallMaxSeconds` (reported
 * `completed`, reason `max_duration`: our own cap, on top of the maxCallDuration dispatch gives LiveKit). Either way
 * the call is hung up (its LiveKit room deleted, or the sandbox carrier told) and the trial number released. Rows are
 * claimed FOR UPDATE SKIP LOCKED, so replicas share the work without doing any call twice. The same round ends the
 * sandbox web calls whose browser never connected in time (`not_connected`). `stop` waits for the round in progress.
 */
export function startTestCallWatchdog(deps: DialerDeps, opts: { intervalMs?: number } = {}): { stop(): Promise<void> } {
  return startWorkerLoop({
    name: 'test-call watchdog',
    intervalMs: opts.intervalMs ?? INTERVAL_MS,
    tick: async () => {
      await runTestCallWatchdogOnce(deps);
      await endUnconnectedWebCalls(deps);
    },
    logger: deps.logger,
    logFailure: (err) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'test-call watchdog round failed'),
  });
}

/** One round; answers how many calls it ended of each kind. Exported so tests drive the clock and the rounds. */
export async function runTestCallWatchdogOnce(deps: DialerDeps): Promise<{ dispatchTimeouts: number; maxDurations: number }> {
  const now = deps.now();
  const dispatchCutoff = new Date(now.getTime() - deps.settings.testCallDispatchTimeoutSeconds * 1000);
  const durationCutoff = new Date(now.getTime() - deps.settings.testCallMaxSeconds * 1000);
  // The call session (written by every source through CallTransitions) says whether the call rang or was answered;
  // the row is what is claimed, so each overdue call is handled by one replica.
  const dispatchTimeouts = await endOverdue(deps, DISPATCH_TIMEOUT, (tx) => tx.query<Overdue>(CLAIM_DISPATCH_TIMEOUTS_SQL, [dispatchCutoff.toISOString(), BATCH]));
  const maxDurations = await endOverdue(deps, MAX_DURATION, (tx) => tx.query<Overdue>(CLAIM_MAX_DURATIONS_SQL, [durationCutoff.toISOString(), BATCH]));
  return { dispatchTimeouts, maxDurations };
}

const CLAIM_DISPATCH_TIMEOUTS_SQL = `
  SELECT o.id, o.tenant_id, o.room_name, o.state FROM outbound_calls o LEFT JOIN call_sessions s ON s.id = o.id
  WHERE o.call_type = 'studio_test' AND o.state IN ('dispatching', 'dispatched') AND o.ended_at IS NULL AND o.error IS NULL
    AND o.ringing_at IS NULL AND o.answered_at IS NULL AND (s.id IS NULL OR s.status = 'initiating')
    AND COALESCE(o.dispatched_at, o.created_at) <= $1::timestamp(3)
  ORDER BY o.created_at LIMIT $2 FOR UPDATE OF o SKIP LOCKED`;

const CLAIM_MAX_DURATIONS_SQL = `
  SELECT o.id, o.tenant_id, o.room_name, o.state FROM outbound_calls o JOIN call_sessions s ON s.id = o.id
  WHERE o.call_type = 'studio_test' AND o.state = 'dispatched' AND o.ended_at IS NULL
    AND s.status = 'in_progress' AND COALESCE(o.answered_at, s.answered_at) <= $1::timestamp(3)
  ORDER BY o.created_at LIMIT $2 FOR UPDATE OF o SKIP LOCKED`;

/** The row closed: ended, and `failed` when it never got as far as a session. */
const CLOSE_ROW_SQL = `
  UPDATE outbound_calls SET ended_at = $2::timestamp(3), state = CASE WHEN state = 'dispatching' THEN 'failed' ELSE state END, updated_at = $3::timestamp(3)
  WHERE id = $1`;

/**
 * Ends each claimed call while its row stays locked: hung up, terminal state reported, then the row marked and
 * the number released in the claiming transaction. A round that fails part-way leaves the row unmarked; the next
 * round repeats it harmlessly (a deleted room counts as ended, a second terminal report changes nothing).
 */
async function endOverdue(deps: DialerDeps, cut: Cut, claim: (tx: SqlTx) => Promise<Overdue[]>): Promise<number> {
  // Every second on every replica, nearly always claiming nothing: on libs/db `Sql`.
  return deps.sql.transaction(
    async (tx) => {
      const rows = await claim(tx);
      for (const row of rows) {
        const log = deps.logger.child({ session_id: row.id });
        const at = deps.now();
        if (row.state === 'dispatched') await hangUp(deps, { id: row.id, tenantId: row.tenant_id, roomName: row.room_name }, tx);
        // A call still `dispatching` never got a session: there is nothing to report, only the row to close.
        if (row.state === 'dispatched') await deps.transitions.report({ call: { sessionId: row.id }, state: cut.report, at, endReason: cut.endReason });
        await tx.query(CLOSE_ROW_SQL, [row.id, at.toISOString(), new Date().toISOString()]);
        // A call that never rang is the platform's failure: recorded, and given back to the day's quotas.
        if (cut.error) await recordDispatchError(tx, row.id, cut.error, at);
        await releaseLease(tx, row.id);
        log.info({ reason: cut.endReason }, 'studio test call ended by the watchdog');
      }
      return rows.length;
    },
    // Deleting rooms is a LiveKit round trip per call (10 s request timeout): the claim must outlast a slow batch.
    { timeoutMs: 60_000 },
  );
}

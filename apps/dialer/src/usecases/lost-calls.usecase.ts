import { endLostCall, type LostCall } from '@callplane/calls';
import { MAX_DURATION_LIMIT_SECONDS } from '@callplane/contracts';
import type { DialerDeps, DialerSettings } from './deps';

/** Calls ended per transaction: each is a lock held and an event written until the batch commits. */
const BATCH = 50;

/**
 * The longest a call may stay unanswered (`initiating` or `ringing`) while something still runs it. Our dials ring
 * for `DIAL_RINGING_TIMEOUT_SECONDS`, then LiveKit cancels the INVITE (sandbox numbers ring less); a studio test call
 * has `TEST_CALL_DISPATCH_TIMEOUT_SECONDS` to ring, after which the watchdog ends it `dispatch_timeout`, the API's
 * word for it, which must come first; an inbound call is answered as soon as LiveKit's SIP service hands it to the
 * agent, in seconds. So the longer of the two settings: unanswered past it and the grace period, whatever placed or
 * took the call is gone.
 */
export function unansweredMaxSeconds(settings: Pick<DialerSettings, 'ringingTimeoutSeconds' | 'testCallDispatchTimeoutSeconds'>): number {
  return Math.max(settings.ringingTimeoutSeconds, settings.testCallDispatchTimeoutSeconds);
}

interface Overdue {
  id: string;
  status: string;
  answered_at: Date | null;
  room_name: string | null;
  max_seconds: number;
}

/**
 * One round of the reaper: ends `lost` every open call, whatever its direction, type or carrier, that has outlived
 * what could still be running it, so no session stays `in_progress` forever after a crash. Answered: past its
 * maximum (the cap it was placed or taken with, else its agent's `max_duration` now, else the largest an agent may
 * have) plus `CALL_REAPER_GRACE_SECONDS`, counted from the answer. Unanswered: past `unansweredMaxSeconds` plus the
 * grace, counted from the session's opening.
 *
 * Sessions are claimed FOR UPDATE SKIP LOCKED and ended through the call-state machine in the claiming transaction,
 * so replicas racing each other end each call once and its `call.lifecycle` event goes out once (the dialer's own
 * consumer then updates the attempt, the campaign contact and the trial pool, and queues the customer's status
 * webhook; analytics shows the end). Rooms are deleted afterwards, best effort. Returns the calls it ended.
 */
export async function reapLostCalls(deps: DialerDeps): Promise<LostCall[]> {
  const now = deps.now();
  const grace = deps.settings.reaperGraceSeconds;
  const unansweredCutoff = new Date(now.getTime() - (unansweredMaxSeconds(deps.settings) + grace) * 1000);
  const { lost, rooms } = await deps.prisma.$transaction(
    async (tx) => {
      // Provisioning validates max_duration when an agent is saved; the CASE keeps one stray stored value from failing
      // the round for every call.
      const rows = await tx.$queryRaw<Overdue[]>`
        SELECT s.id, s.status, s.answered_at, s.room_name, m.max_seconds
        FROM call_sessions s
        LEFT JOIN agents a ON a.id = s.agent_id
        CROSS JOIN LATERAL (SELECT COALESCE(
          s.max_duration_seconds,
          CASE WHEN jsonb_typeof(a.voice -> 'max_duration') = 'number' THEN (a.voice ->> 'max_duration')::numeric::int END,
          ${MAX_DURATION_LIMIT_SECONDS}::int) AS max_seconds) m
        WHERE s.ended_at IS NULL AND (
          (s.status = 'in_progress' AND COALESCE(s.answered_at, s.created_at) + make_interval(secs => m.max_seconds + ${grace}::int) <= ${now})
          OR (s.status IN ('initiating', 'ringing') AND s.created_at <= ${unansweredCutoff}))
        ORDER BY s.created_at LIMIT ${BATCH}
        FOR UPDATE OF s SKIP LOCKED`;
      const ended: LostCall[] = [];
      const toDelete: string[] = [];
      for (const r of rows) {
        const call = await endLostCall(tx, deps.transitions, { id: r.id, status: r.status, answeredAt: r.answered_at, maxSeconds: r.max_seconds }, now);
        if (!call) continue;
        ended.push(call);
        if (r.room_name) toDelete.push(r.room_name);
      }
      return { lost: ended, rooms: toDelete };
    },
    { maxWait: 10_000, timeout: 30_000 },
  );
  if (!lost.length) return lost;
  deps.outbox.notify();
  for (const { session, stage } of lost) {
    deps.lostCalls?.inc({ stage, source: 'reaper' });
    deps.logger.warn(
      { tenant_id: session.tenantId, session_id: session.id, direction: session.direction, call_type: session.callType, stage, started_at: session.createdAt.toISOString() },
      'call outlived its maximum with nothing running it: ended as lost',
    );
  }
  // After the commit, so a slow LiveKit holds no row lock: a room left up (LiveKit unreachable) still closes at the
  // maximum duration LiveKit was given, and the session is already ended either way.
  if (deps.livekit) {
    for (const room of rooms) {
      await deps.livekit.endCall(room).catch((err: unknown) => deps.logger.warn({ room, err: err instanceof Error ? err.message : String(err) }, 'could not delete the room of a lost call'));
    }
  }
  return lost;
}

import type { DbTx } from '@callplane/db';

/**
 * Studio test-call quotas (API.md: `TEST_CALL_USER_DAILY_LIMIT` per user, `TEST_CALL_DESTINATION_DAILY_LIMIT` per
 * destination, days in UTC), counted in `test_call_counters` under `user:<id>` and `destination:<E.164>`.
 */
const userScope = (userId: string) => `user:${userId}`;
const destinationScope = (to: string) => `destination:${to}`;

/** `YYYY-MM-DD` of `at` in UTC: quota days turn at midnight UTC. */
export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);

export const quotaScopes = { user: userScope, destination: destinationScope };

/** One of today's calls for `scope`, if any is left: `count` goes up only while below the limit. */
export async function takeOne(tx: DbTx, scope: string, day: string, limit: number): Promise<boolean> {
  if (limit <= 0) return false;
  const rows = await tx.$queryRaw<Array<{ count: number }>>`
    INSERT INTO test_call_counters (scope, day, count) VALUES (${scope}, ${day}::date, 1)
    ON CONFLICT (scope, day) DO UPDATE SET count = test_call_counters.count + 1 WHERE test_call_counters.count < ${limit}
    RETURNING count`;
  return rows.length > 0;
}

/**
 * Records why the platform could not place an outbound call (its `error`: a configuration it lacks, a dispatch
 * that failed, `dispatch_timeout`), once: the first reason wins, and false means one was already recorded. A studio
 * test call that had not rung is then given back to both of its day's quotas, the user's and the destination's: the
 * platform failed to place it, so it is not one of the day's tests. Every path that sets a call's error goes
 * through here, in the transaction that sets it, so a call is given back at most once.
 */
export async function recordDispatchError(tx: DbTx, callId: string, error: string, at: Date): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ call_type: string; user_id: string | null; to_number: string; created_at: Date; ringing_at: Date | null; answered_at: Date | null }>>`
    UPDATE outbound_calls SET error = ${error.slice(0, 500)}, updated_at = ${at}
    WHERE id = ${callId} AND error IS NULL
    RETURNING call_type, user_id, to_number, created_at, ringing_at, answered_at`;
  const call = rows[0];
  if (!call) return false;
  if (call.call_type === 'studio_test' && call.user_id && !call.ringing_at && !call.answered_at) {
    // The day it was counted on (admission writes created_at with the same clock reading as the counters' day).
    const day = utcDay(call.created_at);
    await tx.$executeRaw`
      UPDATE test_call_counters SET count = count - 1
      WHERE day = ${day}::date AND scope IN (${userScope(call.user_id)}, ${destinationScope(call.to_number)}) AND count > 0`;
  }
  return true;
}

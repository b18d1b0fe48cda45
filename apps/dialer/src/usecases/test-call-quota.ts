import { sqlIn, type DbTx, type SqlTx } from '@callplane/db';

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
 * Gives a studio test call back to both of its day's quotas, the user's and the destination's: the platform failed to
 * place it before it rang, so it is not one of the day's tests. The day is the one it was counted on (admission
 * writes `created_at` with the same clock reading as the counters' day). Called once per call, by
 * `recordDispatchError`.
 */
export async function giveBackTestCall(tx: DbTx | SqlTx, call: { userId: string; toNumber: string; createdAt: Date }): Promise<void> {
  await sqlIn(tx).query(
    `UPDATE test_call_counters SET count = count - 1 WHERE day = $1::date AND scope IN ($2, $3) AND count > 0`,
    [utcDay(call.createdAt), userScope(call.userId), destinationScope(call.toNumber)],
  );
}

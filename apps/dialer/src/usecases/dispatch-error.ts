import { sqlIn, type DbTx, type SqlTx } from '@callplane/db';
import { giveBackTestCall } from './test-call-quota';

/**
 * Records why the platform could not place an outbound call (its `error`: a configuration it lacks, a dispatch that
 * failed, `dispatch_timeout`), once: the first reason wins, and false means one was already recorded. Every path that
 * sets a call's error goes through here, in the transaction that sets it, so what follows from it happens once: a
 * studio test call that had not rung is given back to the day's quotas (API.md: only calls the platform placed count).
 */
export async function recordDispatchError(tx: DbTx | SqlTx, callId: string, error: string, at: Date): Promise<boolean> {
  const sql = sqlIn(tx);
  const rows = await sql.query<{ call_type: string; user_id: string | null; to_number: string; created_at: Date; ringing_at: Date | null; answered_at: Date | null }>(
    RECORD_ERROR_SQL,
    [callId, error.slice(0, 500), at.toISOString()],
  );
  const call = rows[0];
  if (!call) return false;
  if (call.call_type === 'studio_test' && call.user_id && !call.ringing_at && !call.answered_at) {
    await giveBackTestCall(sql, { userId: call.user_id, toNumber: call.to_number, createdAt: call.created_at });
  }
  return true;
}

const RECORD_ERROR_SQL = `
  UPDATE outbound_calls SET error = $2, updated_at = $3::timestamp(3)
  WHERE id = $1 AND error IS NULL
  RETURNING call_type, user_id, to_number, created_at, ringing_at, answered_at`;

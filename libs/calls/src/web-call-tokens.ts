import { isTerminalState, WEB_CALL_TOKEN_TTL_SECONDS, type CallState, type WebCallMetadata } from '@callplane/contracts';
import { sqlIn, type DbTx, type PrismaClient, type SqlTx } from '@callplane/db';
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The sandbox web call's token, in one place: the dialer issues it with the call (shown once, in the socket URL), the
 * voice agent spends it when the browser connects. Only its SHA-256 is stored; it is good for one connection within
 * WEB_CALL_TOKEN_TTL_SECONDS. It is never an API key and opens nothing but this call's audio socket.
 */
const digest = (token: string): Buffer => createHash('sha256').update(token, 'utf8').digest();

export async function issueWebCallToken(tx: DbTx, input: { metadata: WebCallMetadata; at: Date }): Promise<{ token: string; expiresAt: Date }> {
  const { metadata, at } = input;
  const token = `wct_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(at.getTime() + WEB_CALL_TOKEN_TTL_SECONDS * 1000);
  await tx.webCallToken.create({
    data: { sessionId: metadata.session_id, tenantId: metadata.tenant_id, tokenHash: digest(token).toString('hex'), metadata: metadata as object, expiresAt, createdAt: at },
  });
  return { token, expiresAt };
}

/** Why a connection was refused: no such call or not its token, spent before, past its minute, or the call is over. */
export type WebCallRefusal = 'unknown' | 'used' | 'expired' | 'ended';
/** `metadata`: what the call was created with (WebCallMetadata as stored), for the voice agent's planCall to validate. */
export type WebCallRedemption = { ok: true; metadata: unknown } | { ok: false; reason: WebCallRefusal };

/**
 * Spends the call's token for a connection: the first connection within its minute wins (a conditional update, so two
 * racing connections never both do). A wrong token says nothing about the call (`unknown`, as for no call at all).
 */
export async function redeemWebCallToken(prisma: PrismaClient, input: { sessionId: string; token: string; now: Date }): Promise<WebCallRedemption> {
  const { sessionId, now } = input;
  const row = await prisma.webCallToken.findUnique({ where: { sessionId } });
  if (!row || !sameDigest(row.tokenHash, digest(input.token))) return { ok: false, reason: 'unknown' };
  if (row.usedAt) return { ok: false, reason: 'used' };
  if (row.expiresAt <= now) return { ok: false, reason: 'expired' };
  const session = await prisma.callSession.findUnique({ where: { id: sessionId }, select: { status: true } });
  if (!session) return { ok: false, reason: 'unknown' };
  if (isTerminalState(session.status as CallState)) return { ok: false, reason: 'ended' };
  const { count } = await prisma.webCallToken.updateMany({ where: { sessionId, usedAt: null, expiresAt: { gt: now } }, data: { usedAt: now } });
  if (count === 0) return { ok: false, reason: 'used' };
  return { ok: true, metadata: row.metadata };
}

/**
 * Locks (FOR UPDATE SKIP LOCKED) up to `limit` sandbox web calls whose token expired unspent before `cutoff` and whose
 * session is still waiting for the browser: the caller ends them in the same transaction, so each is ended once.
 */
export function claimUnconnectedWebCalls(tx: DbTx | SqlTx, cutoff: Date, limit: number): Promise<Array<{ session_id: string }>> {
  return sqlIn(tx).query<{ session_id: string }>(CLAIM_UNCONNECTED_SQL, [cutoff.toISOString(), limit]);
}

const CLAIM_UNCONNECTED_SQL = `
  SELECT t.session_id FROM web_call_tokens t JOIN call_sessions s ON s.id = t.session_id
  WHERE t.used_at IS NULL AND t.expires_at < $1::timestamp(3) AND s.status = 'initiating'
  ORDER BY t.expires_at LIMIT $2 FOR UPDATE OF t SKIP LOCKED`;

function sameDigest(storedHex: string, candidate: Buffer): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  return stored.length === candidate.length && timingSafeEqual(stored, candidate);
}

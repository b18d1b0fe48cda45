import { newId, WEB_CALL_TOKEN_TTL_SECONDS, type WebCallMetadata } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { CallTransitions } from './call-transitions';
import { openWebSession } from './open-session';
import { claimUnconnectedWebCalls, issueWebCallToken, redeemWebCallToken } from './web-call-tokens';

describe('sandbox web call tokens', () => {
  let db: Database;
  const at = new Date('2026-11-25T10:00:00.000Z');
  const later = (seconds: number) => new Date(at.getTime() + seconds * 1000);
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL! });
  });
  afterAll(async () => {
    await db.close();
  });

  /** A web call as the dialer makes it: the session (direction web) and its token, in one transaction. */
  async function webCall() {
    const tenantId = newId('tenant');
    const sessionId = newId('callSession');
    const metadata: WebCallMetadata = {
      session_id: sessionId,
      tenant_id: tenantId,
      direction: 'web',
      call_type: 'studio_test',
      max_duration_seconds: 60,
      agent: { id: 'agt_tokens', name: 'Ava', system_prompt: 'You are Ava.', voice: { greeting: 'Hi', tts: { provider: 'local', model: 'espeak', voice: 'default' }, stt: { provider: 'local', model: 'pocketsphinx', language: 'en' }, max_duration: 60, recording: false, transcription: true } },
      context: {},
    };
    const { token, expiresAt } = await db.prisma.$transaction(async (tx) => {
      await openWebSession(tx, { id: sessionId, tenantId, agentId: 'agt_tokens', userId: 'usr_tokens', roomName: null, maxDurationSeconds: 60, at });
      return issueWebCallToken(tx, { metadata, at });
    });
    return { sessionId, token, expiresAt, metadata };
  }

  it('opens the session as a web call with no carrier, and keeps only the token\'s hash, for one minute', async () => {
    const { sessionId, token, expiresAt } = await webCall();
    expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({
      direction: 'web',
      callType: 'studio_test',
      provider: 'web',
      status: 'initiating',
      fromNumber: 'web:usr_tokens',
      toNumber: 'web:agt_tokens',
      maxDurationSeconds: 60,
    });
    expect(token).toMatch(/^wct_[A-Za-z0-9_-]{43}$/);
    expect(expiresAt).toEqual(later(WEB_CALL_TOKEN_TTL_SECONDS));
    const row = await db.prisma.webCallToken.findUniqueOrThrow({ where: { sessionId } });
    expect(JSON.stringify(row)).not.toContain(token.slice(4));
    expect(row.tokenHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('the first connection within the minute spends it and gets the plan; the next one is told it was used', async () => {
    const { sessionId, token, metadata } = await webCall();
    expect(await redeemWebCallToken(db.prisma, { sessionId, token, now: later(59) })).toEqual({ ok: true, metadata });
    expect(await redeemWebCallToken(db.prisma, { sessionId, token, now: later(59) })).toEqual({ ok: false, reason: 'used' });
  });

  it('two connections racing for one token: exactly one wins', async () => {
    const { sessionId, token } = await webCall();
    const results = await Promise.all(Array.from({ length: 6 }, () => redeemWebCallToken(db.prisma, { sessionId, token, now: later(1) })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok).map((r) => !r.ok && r.reason)).toEqual(Array(5).fill('used'));
  });

  it('refuses a wrong or empty token as an unknown call, a token past its minute, and a call already over', async () => {
    const { sessionId, token } = await webCall();
    expect(await redeemWebCallToken(db.prisma, { sessionId, token: `${token}x`, now: later(1) })).toEqual({ ok: false, reason: 'unknown' });
    expect(await redeemWebCallToken(db.prisma, { sessionId, token: '', now: later(1) })).toEqual({ ok: false, reason: 'unknown' });
    expect(await redeemWebCallToken(db.prisma, { sessionId: newId('callSession'), token, now: later(1) })).toEqual({ ok: false, reason: 'unknown' });
    expect(await redeemWebCallToken(db.prisma, { sessionId, token, now: later(WEB_CALL_TOKEN_TTL_SECONDS) })).toEqual({ ok: false, reason: 'expired' });

    const ended = await webCall();
    await new CallTransitions({ prisma: db.prisma, outbox: { notify: () => undefined } }).report({ call: { sessionId: ended.sessionId }, state: 'completed', at: later(2), endReason: 'ended_by_user' });
    expect(await redeemWebCallToken(db.prisma, { sessionId: ended.sessionId, token: ended.token, now: later(3) })).toEqual({ ok: false, reason: 'ended' });
    // Nothing was spent by the refusals: the right token still works in time.
    expect((await redeemWebCallToken(db.prisma, { sessionId, token, now: later(2) })).ok).toBe(true);
  });

  it('claims the calls whose token expired unspent while their session still waits, and no others', async () => {
    const waiting = await webCall();
    const connected = await webCall();
    await redeemWebCallToken(db.prisma, { sessionId: connected.sessionId, token: connected.token, now: later(1) });
    const claimed = await db.prisma.$transaction((tx) => claimUnconnectedWebCalls(tx, later(WEB_CALL_TOKEN_TTL_SECONDS + 1), 100));
    const ids = claimed.map((r) => r.session_id);
    expect(ids).toContain(waiting.sessionId);
    expect(ids).not.toContain(connected.sessionId);
    expect(await db.prisma.$transaction((tx) => claimUnconnectedWebCalls(tx, later(WEB_CALL_TOKEN_TTL_SECONDS - 1), 100))).not.toContainEqual({ session_id: waiting.sessionId });
  });
});

import { CallTransitions, lostCallsCounter, openOutboundSession, recordMediaReplica } from '@callplane/calls';
import { newId } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { CALL_ROOM_PREFIX, LiveKitCalls } from '@callplane/livekit';
import { FakeLiveKit, uniquePhoneNumber } from '@callplane/testing';
import pino from 'pino';
import { Registry } from 'prom-client';
import { endCallsLeftByEarlierRun } from './reconcile-calls.usecase';

const KEYS = { apiKey: 'APIreconcilespec', apiSecret: 'reconcile-spec-secret-0123456789abcdef' };

/**
 * A voice-agent replica starting again on real PostgreSQL: the calls its previous run had taken are ended `lost`
 * (answered: completed; still ringing: failed) and their rooms deleted at LiveKit; calls other replicas run, calls
 * no replica took yet and calls already over are left as they are.
 */
describe('endCallsLeftByEarlierRun', () => {
  let db: Database;
  const livekit = new FakeLiveKit(KEYS);
  let calls: LiveKitCalls;
  const outbox = { notify: () => undefined };
  beforeAll(async () => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
    await livekit.start();
    calls = new LiveKitCalls({ url: livekit.url, ...KEYS });
  });
  afterAll(async () => {
    await livekit.stop();
    await db.close();
  });

  const now = new Date('2026-11-25T12:00:00Z');
  const secondsAgo = (s: number) => new Date(now.getTime() - s * 1000);

  /** An outbound call in its LiveKit room, answered `answered` seconds ago (or ringing), taken by `replica`. */
  async function call(transitions: CallTransitions, opts: { replica?: string; answered?: number; ended?: boolean }) {
    const id = newId('callSession');
    const roomName = `${CALL_ROOM_PREFIX}${id}`;
    await db.prisma.$transaction((tx) =>
      openOutboundSession(tx, { id, tenantId: 'ten_reconcile', agentId: 'agt_reconcile', phoneNumberId: null, callType: 'production', fromNumber: uniquePhoneNumber(), toNumber: uniquePhoneNumber(), provider: 'sip', roomName, at: secondsAgo(120) }),
    );
    await calls.prepareRoom({ roomName, metadata: { session_id: id }, maxCallDurationSeconds: 300 });
    if (opts.replica) await recordMediaReplica(db.prisma, id, { replica: opts.replica, maxDurationSeconds: 300 });
    await transitions.report({ call: { sessionId: id }, state: 'ringing', at: secondsAgo(119) });
    if (opts.answered !== undefined) await transitions.report({ call: { sessionId: id }, state: 'in_progress', at: secondsAgo(opts.answered) });
    if (opts.ended) await transitions.report({ call: { sessionId: id }, state: 'completed', at: secondsAgo(1), endReason: 'caller_hangup' });
    return { id, roomName };
  }
  const stored = (id: string) => db.prisma.callSession.findUniqueOrThrow({ where: { id } });
  const roomExists = (name: string) => livekit.rooms.some((r) => r.name === name);

  it('ends the calls its previous run took, deletes their rooms and counts them; leaves every other call alone', async () => {
    const transitions = new CallTransitions({ prisma: db.prisma, outbox });
    const answered = await call(transitions, { replica: 'va-1', answered: 60 });
    const ringing = await call(transitions, { replica: 'va-1' });
    const overLong = await call(transitions, { replica: 'va-1', answered: 400 });
    const endedAlready = await call(transitions, { replica: 'va-1', answered: 60, ended: true });
    const otherReplica = await call(transitions, { replica: 'va-2', answered: 60 });
    const notTaken = await call(transitions, { answered: 60 });
    const registry = new Registry();

    const lost = await endCallsLeftByEarlierRun({ prisma: db.prisma, transitions, outbox, replica: 'va-1', hangUp: (room) => calls.endCall(room), lostCalls: lostCallsCounter(registry), logger: pino({ level: 'silent' }), now: () => now });

    expect(lost.map((l) => l.session.id).sort()).toEqual([answered.id, ringing.id, overLong.id].sort());
    // Answered: completed, now (its cap is still ahead); answered longer ago than its cap: stamped at the cap.
    expect(await stored(answered.id)).toMatchObject({ status: 'completed', endReason: 'lost', endedAt: now });
    expect(await stored(overLong.id)).toMatchObject({ status: 'completed', endReason: 'lost', endedAt: secondsAgo(100) });
    expect(await stored(ringing.id)).toMatchObject({ status: 'failed', endReason: 'lost', endedAt: now });
    for (const gone of [answered, ringing, overLong]) expect(roomExists(gone.roomName)).toBe(false);

    expect(await stored(endedAlready.id)).toMatchObject({ status: 'completed', endReason: 'caller_hangup' });
    for (const untouched of [otherReplica, notTaken]) {
      expect(await stored(untouched.id)).toMatchObject({ status: 'in_progress', endedAt: null, endReason: null });
      expect(roomExists(untouched.roomName)).toBe(true);
    }
    const metrics = await registry.metrics();
    expect(metrics).toContain('calls_reaped_total{stage="answered",source="reconcile"} 2');
    expect(metrics).toContain('calls_reaped_total{stage="unanswered",source="reconcile"} 1');

    // Starting once more finds nothing left.
    expect(await endCallsLeftByEarlierRun({ prisma: db.prisma, transitions, outbox, replica: 'va-1', logger: pino({ level: 'silent' }), now: () => now })).toEqual([]);
  });
});

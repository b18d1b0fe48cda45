import { connectPostgres, type Database } from '@callplane/db';
import { newCallSid } from '@callplane/testing';
import { newId, type CallState } from '@callplane/contracts';
import { CallTransitions, type CallReport } from './call-transitions';
import { openOutboundSession } from './open-session';

/**
 * The state machine applied to stored sessions, on real PostgreSQL with parallel reports: on the pg pool (distributed
 * mode) and through Prisma alone (as on the embedded database), the same statements either way.
 */
describe.each([
  ['on the pg pool', true],
  ['through Prisma (no pool)', false],
])('CallTransitions %s', (_name, viaPool) => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 20 });
  });
  afterAll(async () => {
    await db.close();
  });

  const outbox = { notify: () => undefined };
  const transitions = () => new CallTransitions({ prisma: db.prisma, pool: viaPool ? db.pool : null, outbox });
  const phoneNumberId = 'pn_transitions_spec';
  /** A call as the gateway or the dialer opens it: a session and its call.initiating event. */
  async function openCall() {
    const providerCallId = newCallSid();
    const id = newId('callSession');
    const session = await db.prisma.$transaction(async (tx) => {
      const s = await openOutboundSession(tx, {
        id,
        tenantId: 'ten_transitions_spec',
        agentId: 'agt_transitions_spec',
        phoneNumberId,
        callType: 'production',
        fromNumber: '+14155550100',
        toNumber: '+14155550101',
        provider: 'sip',
        roomName: `call-${id}`,
        at: new Date('2026-11-25T10:00:00Z'),
      });
      return tx.callSession.update({ where: { id: s.id }, data: { providerCallId, roomName: null } });
    });
    return { session, providerCallId };
  }
  const eventTypes = async (sessionId: string) =>
    (await db.prisma.outboxEvent.findMany({ where: { key: sessionId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => (e.envelope as { type: string }).type);
  const at = (s: string) => new Date(`2026-11-25T10:00:${s}Z`);

  it('moves a call forward with timestamps, one event per transition, and finds it by provider call id', async () => {
    const { session, providerCallId } = await openCall();
    const t = transitions();
    const ref = { phoneNumberId, providerCallId };
    expect((await t.report({ call: ref, state: 'ringing', at: at('01') })).kind).toBe('applied');
    expect((await t.report({ call: ref, state: 'in_progress', at: at('03') })).kind).toBe('applied');
    const done = await t.report({ call: ref, state: 'completed', at: at('45'), sipStatus: 200, endReason: 'caller_hangup' });
    expect(done.kind).toBe('applied');
    const stored = await db.prisma.callSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(stored).toMatchObject({ status: 'completed', answeredAt: at('03'), endedAt: at('45'), sipStatus: 200, endReason: 'caller_hangup' });
    // What a report returns is the row as stored, read back by Prisma (times in UTC, every column).
    expect(done.kind === 'applied' && done.session).toEqual(stored);
    expect(await eventTypes(session.id)).toEqual(['call.initiating', 'call.ringing', 'call.in_progress', 'call.completed']);
    const last = await db.prisma.outboxEvent.findFirstOrThrow({ where: { key: session.id, envelope: { path: ['type'], equals: 'call.completed' } } });
    expect(last.envelope).toMatchObject({ occurred_at: '2026-11-25T10:00:45.000Z', data: { state: 'completed', answered_at: '2026-11-25T10:00:03.000Z', end_reason: 'caller_hangup' } });
  });

  it('late and out-of-order reports change nothing and emit nothing', async () => {
    const { session } = await openCall();
    const t = transitions();
    const ref = { sessionId: session.id };
    await t.report({ call: ref, state: 'completed', at: at('30'), answeredAt: at('10') });
    for (const state of ['ringing', 'in_progress', 'busy', 'completed', 'initiating'] as CallState[]) {
      expect((await t.report({ call: ref, state, at: at('40') })).kind).toBe('ignored');
    }
    expect(await eventTypes(session.id)).toEqual(['call.initiating', 'call.completed']);
    // The answered time comes from the report when we never saw the answer.
    expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'completed', answeredAt: at('10'), endReason: 'completed' });
  });

  it('an unknown call is reported as such and nothing is written', async () => {
    const before = await db.prisma.outboxEvent.count();
    expect((await transitions().report({ call: { phoneNumberId, providerCallId: newCallSid() }, state: 'completed', at: at('00') })).kind).toBe('unknown_call');
    expect((await transitions().report({ call: { roomName: 'call-nowhere' }, state: 'completed', at: at('00') })).kind).toBe('unknown_call');
    expect(await db.prisma.outboxEvent.count()).toBe(before);
  });

  it('the same report delivered 20 times at once, through several "replicas", yields one transition and one event (repeated 10 times)', async () => {
    for (let round = 0; round < 10; round++) {
      const { session } = await openCall();
      const replicas = [transitions(), transitions(), transitions()];
      const report: CallReport = { call: { sessionId: session.id }, state: 'in_progress', at: at('05') };
      const outcomes = await Promise.all(Array.from({ length: 20 }, (_, i) => replicas[i % 3]!.report(report)));
      expect(outcomes.filter((o) => o.kind === 'applied')).toHaveLength(1);
      expect(await eventTypes(session.id)).toEqual(['call.initiating', 'call.in_progress']);
    }
  });

  it('racing reports of different states settle on the furthest one, with each event in order', async () => {
    for (let round = 0; round < 10; round++) {
      const { session } = await openCall();
      const t = transitions();
      const states: CallState[] = ['ringing', 'in_progress', 'completed', 'ringing', 'in_progress'];
      await Promise.all(states.map((state) => t.report({ call: { sessionId: session.id }, state, at: at('05') })));
      const types = await eventTypes(session.id);
      expect(types.at(-1)).toBe('call.completed');
      expect(new Set(types).size).toBe(types.length);
      const order = ['call.initiating', 'call.ringing', 'call.in_progress', 'call.completed'];
      expect(types.map((x) => order.indexOf(x))).toEqual([...types.map((x) => order.indexOf(x))].sort((a, b) => a - b));
    }
  });

  it('remembers the LiveKit room once and finds the call by it', async () => {
    const { session } = await openCall();
    const t = transitions();
    const room = `call-${newId('callSession')}`;
    await t.report({ call: { sessionId: session.id }, state: 'ringing', at: at('01'), roomName: room });
    const byRoom = await t.report({ call: { roomName: room }, state: 'completed', at: at('09'), endReason: 'room_closed' });
    expect(byRoom).toMatchObject({ kind: 'applied', session: { id: session.id, roomName: room, endReason: 'room_closed' } });
  });

  it('a late report moves nothing but keeps a room seen for the first time, once, even when reports race for it', async () => {
    const { session } = await openCall();
    const t = transitions();
    await t.report({ call: { sessionId: session.id }, state: 'completed', at: at('10') });
    const room = `call-${newId('callSession')}`;
    const outcomes = await Promise.all(Array.from({ length: 6 }, () => t.report({ call: { sessionId: session.id }, state: 'ringing', at: at('11'), roomName: room })));
    expect(outcomes.every((o) => o.kind === 'ignored' && o.session.roomName === room)).toBe(true);
    expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id: session.id } })).toMatchObject({ status: 'completed', roomName: room });
    expect(await eventTypes(session.id)).toEqual(['call.initiating', 'call.completed']);
  });
});

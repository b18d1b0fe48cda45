import { newId } from '@callplane/contracts';
import { connectPostgres, sqlOver, type Database } from '@callplane/db';
import { newCallSid } from '@callplane/testing';
import { openInboundSession, openOutboundSession, openOutboundSessionIf } from './open-session';
import { SessionOpener } from './session-opener';

/**
 * Every opener stores a session and its first event alike: the transactional ones (dialer, voice agent, sandbox) and
 * the gateway's batched statement build them in one place, and write the outbox row libs/events builds.
 */
describe('opening a call session', () => {
  let db: Database;
  const at = new Date('2026-11-25T10:00:00.000Z');
  const tenantId = 'ten_open_session_spec';
  const phoneNumberId = 'pn_open_session_spec';
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL! });
  });
  afterAll(async () => {
    await db.close();
  });

  const batched = (pool: boolean) => new SessionOpener({ prisma: db.prisma, outbox: { notify: () => undefined }, now: () => at, pool: pool ? db.pool : null });
  const stored = async (sessionId: string) => {
    const { id, providerCallId, ...session } = await db.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } });
    const events = await db.prisma.outboxEvent.findMany({ where: { key: sessionId } });
    expect(events).toHaveLength(1);
    const { id: eventId, key, createdAt, envelope, ...event } = events[0]!;
    const { id: envelopeId, key: envelopeKey, data, ...rest } = envelope as { id: string; key: string; data: Record<string, unknown> };
    // What differs between two calls: their ids, and the outbox clock's stamp. Each names its own session.
    expect({ envelopeId, envelopeKey, key, sessionId: data.session_id, providerCallId: data.provider_call_id }).toEqual({ envelopeId: eventId, envelopeKey: id, key: id, sessionId: id, providerCallId });
    expect(createdAt).toBeInstanceOf(Date);
    return { session, event, envelope: { ...rest, data: { ...data, session_id: null, provider_call_id: null } } };
  };

  const inbound = { tenantId, agentId: 'agt_open_session_spec', phoneNumberId, fromNumber: '+14155550100', toNumber: '+14155550101', provider: 'sip' as const };

  it.each([
    ['the pg pool', true],
    ['Prisma', false],
  ])('an inbound call: in a transaction and through the batched statement (on %s), the same row and the same call.initiating event', async (_how, pool) => {
    const viaTx = await db.prisma.$transaction((tx) => openInboundSession(tx, { id: newId('callSession'), ...inbound, providerCallId: newCallSid(), state: 'initiating', at }));
    const viaBatch = await batched(pool).open({ ...inbound, direction: 'inbound', callType: 'production', providerCallId: newCallSid(), state: 'initiating' });
    const [a, b] = [await stored(viaTx.id), await stored(viaBatch.session.id)];
    expect(b).toEqual(a);
    expect(a.session).toMatchObject({ status: 'initiating', direction: 'inbound', callType: 'production', createdAt: at, updatedAt: at, endedAt: null, endReason: null });
    expect(a.event).toMatchObject({ topic: 'call.lifecycle', publishedAt: null, attempts: 0, lastError: null });
    expect(a.envelope).toMatchObject({ type: 'call.initiating', tenant_id: tenantId, occurred_at: at.toISOString(), data: { state: 'initiating', started_at: at.toISOString(), ended_at: null } });
  });

  it('a call closed after hours: both openers store it ended as it opened, with its end reason', async () => {
    const viaTx = await db.prisma.$transaction((tx) => openInboundSession(tx, { id: newId('callSession'), ...inbound, providerCallId: newCallSid(), state: 'completed', endReason: 'after_hours', at }));
    const viaBatch = await batched(true).open({ ...inbound, direction: 'inbound', callType: 'production', providerCallId: newCallSid(), state: 'completed', endReason: 'after_hours' });
    const [a, b] = [await stored(viaTx.id), await stored(viaBatch.session.id)];
    expect(b).toEqual(a);
    expect(a.session).toMatchObject({ status: 'completed', endReason: 'after_hours', endedAt: at });
    expect(a.envelope).toMatchObject({ type: 'call.completed', data: { end_reason: 'after_hours', ended_at: at.toISOString() } });
  });

  it('an outbound call: its room and no carrier call id yet, and its call.initiating event', async () => {
    const id = newId('callSession');
    const session = await db.prisma.$transaction((tx) =>
      openOutboundSession(tx, { id, tenantId, agentId: 'agt_open_session_spec', phoneNumberId: null, callType: 'campaign', fromNumber: '+14155550100', toNumber: '+14155550102', provider: 'vobiz', roomName: `call-${id}`, at }),
    );
    expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id } })).toEqual(session);
    expect(session).toMatchObject({ direction: 'outbound', callType: 'campaign', providerCallId: null, roomName: `call-${id}`, status: 'initiating', createdAt: at, endedAt: null });
    const [event] = await db.prisma.outboxEvent.findMany({ where: { key: id } });
    expect(event!.envelope).toMatchObject({ type: 'call.initiating', key: id, data: { session_id: id, direction: 'outbound', provider_call_id: null } });
  });

  it.each([
    ['the pg pool', true],
    ['Prisma', false],
  ])("guarded (on %s): the session, its event and the opener's own events are written in the guard's statement only when the guard returns a row", async (_how, pool) => {
    const sql = sqlOver(db.prisma, pool ? db.pool : null);
    const outbound = (id: string) => ({ id, tenantId, agentId: 'agt_open_session_spec', phoneNumberId: null, callType: 'campaign' as const, fromNumber: '+14155550100', toNumber: '+14155550103', provider: 'sip' as const, roomName: `call-${id}`, at });
    const command = (id: string) => ({ topic: 'dialer.commands', type: 'spec.command', tenantId, key: id, data: { session_id: id } });
    // The guard is the opener's own step: here, a row it claims (a tenant's name moved from "free" to "taken").
    const guardTenant = `ten_${newId('callSession')}`;
    await db.prisma.tenant.create({ data: { id: guardTenant, name: 'free' } });
    const guard = { sql: `UPDATE tenants SET name = 'taken' WHERE id = $1 AND name = 'free' RETURNING id`, values: [guardTenant] };

    const first = newId('callSession');
    const opened = await openOutboundSessionIf(sql, guard, outbound(first), [command(first)]);
    expect(opened).toMatchObject({ id: first, status: 'initiating' });
    expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id: first } })).toEqual(opened);
    expect((await db.prisma.outboxEvent.findMany({ where: { key: first }, orderBy: { createdAt: 'asc' } })).map((e) => (e.envelope as { type: string }).type)).toEqual(['call.initiating', 'spec.command']);

    // The guard finds nothing the second time: no session, no event.
    const second = newId('callSession');
    expect(await openOutboundSessionIf(sql, guard, outbound(second), [command(second)])).toBeNull();
    expect(await db.prisma.callSession.findUnique({ where: { id: second } })).toBeNull();
    expect(await db.prisma.outboxEvent.count({ where: { key: second } })).toBe(0);
  });
});

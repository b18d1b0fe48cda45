import { newCallSid } from '@callplane/testing';
import { connectPostgres, type Database } from '@callplane/db';
import { newId } from '@callplane/contracts';
import { SessionOpener, type NewSession } from './session-opener';

// The hot path writes on the database's pg pool; the embedded database (no pg pool) writes through Prisma: both keep the same rules.
describe.each([
  ['the pg pool', true],
  ['Prisma', false],
] as const)('SessionOpener through %s', (_how, usePool) => {
  let db: Database;
  let notified = 0;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL! });
  });
  afterAll(async () => {
    await db.close();
  });

  const opener = () => new SessionOpener({ prisma: db.prisma, outbox: { notify: () => void notified++ }, now: () => new Date(), pool: usePool ? db.pool : null });
  const call = (over: Partial<NewSession> = {}): NewSession => ({
    tenantId: 'ten_sessions_spec',
    agentId: null,
    phoneNumberId: 'pn_sessions_spec',
    direction: 'inbound',
    callType: 'production',
    fromNumber: '+14155550100',
    toNumber: '+14155550101',
    provider: 'sip',
    providerCallId: newCallSid(),
    state: 'initiating',
    ...over,
  });

  it('writes webhooks that arrive together in one go, each with exactly one event', async () => {
    const o = opener();
    const calls = Array.from({ length: 25 }, () => call());
    const results = await Promise.all(calls.map((c) => o.open(c)));
    expect(results.every((r) => r.created)).toBe(true);
    const ids = results.map((r) => r.session.id);
    expect(await db.prisma.callSession.count({ where: { id: { in: ids } } })).toBe(25);
    const events = await db.prisma.outboxEvent.findMany({ where: { key: { in: ids } } });
    expect(events).toHaveLength(25);
    expect(new Set(events.map((e) => e.key))).toEqual(new Set(ids));
    expect(notified).toBeGreaterThan(0);
  });

  it('a row the database refuses fails only its own webhook, not the others written with it', async () => {
    const o = opener();
    const first = o.open(call());
    // These two queue behind the first write and are written together.
    const bad = o.open(call({ fromNumber: 'nul\u0000byte' }));
    const good = o.open(call());
    await expect(first).resolves.toMatchObject({ created: true });
    await expect(bad).rejects.toThrow();
    const ok = await good;
    expect(ok.created).toBe(true);
    expect(await db.prisma.callSession.count({ where: { id: ok.session.id } })).toBe(1);
  });

  it('a duplicate in the same batch and a later retry get the first session and no second event', async () => {
    const o = opener();
    const c = call();
    const [a, b] = await Promise.all([o.open(c), o.open(c)]);
    const later = await o.open(c);
    const created = [a, b].filter((r) => r.created);
    expect(created).toHaveLength(1);
    for (const r of [a, b, later]) expect(r.session.id).toBe(created[0]!.session.id);
    expect(await db.prisma.outboxEvent.count({ where: { key: created[0]!.session.id } })).toBe(1);
  });

  it('refuses the same call id on another number, leaving the first call alone', async () => {
    const o = opener();
    const c = call();
    const first = await o.open(c);
    await expect(o.open({ ...c, tenantId: 'ten_other', phoneNumberId: newId('phoneNumber') })).rejects.toMatchObject({ code: 'conflict', status: 409 });
    expect(await db.prisma.callSession.findUniqueOrThrow({ where: { id: first.session.id } })).toMatchObject({ tenantId: c.tenantId, phoneNumberId: c.phoneNumberId });
  });

  it('stores the session as it answers it, with its call.initiating event', async () => {
    const o = opener();
    const c = call({ fromNumber: 'quote" back\\slash {brace}, comma', agentId: null });
    const { session, created } = await o.open(c);
    expect(created).toBe(true);
    const stored = await db.prisma.callSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(stored).toEqual(session);
    const [event] = await db.prisma.outboxEvent.findMany({ where: { key: session.id } });
    expect(event).toMatchObject({ topic: 'call.lifecycle', publishedAt: null });
    expect(event!.envelope).toMatchObject({ type: 'call.initiating', key: session.id, data: { session_id: session.id, from_number: c.fromNumber, agent_id: null } });
  });

  it('an after-hours call is stored closed, with its end time', async () => {
    const { session } = await opener().open(call({ state: 'completed', endReason: 'after_hours' }));
    const stored = await db.prisma.callSession.findUniqueOrThrow({ where: { id: session.id } });
    expect(stored).toMatchObject({ status: 'completed', endReason: 'after_hours', endedAt: session.createdAt });
  });
});

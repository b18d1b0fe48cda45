import { newId } from '@callplane/contracts';
import { TestClock } from '../dialer.test-harness';
import { inTx, lifecycleEvent, seedOutboundCall, webhookDeps } from '../status-webhooks.test-harness';
import { enqueueStatusWebhooks } from './status-webhooks';

describe('enqueueStatusWebhooks', () => {
  const clock = new TestClock();
  const deps = webhookDeps({ clock });
  const tenantId = newId('tenant');
  afterAll(() => deps.db.close());

  const newAgent = async (statusWebhookUrl: string | null) => {
    const id = newId('agent');
    await deps.prisma.tenant.upsert({ where: { id: tenantId }, create: { id: tenantId, name: `Enqueue ${tenantId}` }, update: {} });
    await deps.prisma.agent.create({ data: { id, tenantId, name: 'a', systemPrompt: 'p', voice: {}, statusWebhookUrl } });
    return id;
  };
  const deliveries = (sessionId: string) => deps.prisma.webhookDelivery.findMany({ where: { sessionId }, orderBy: { occurredAt: 'asc' } });

  it("queues the exact body for the call's webhook_url, keyed by the event id, due now", async () => {
    const agentId = await newAgent('https://agent.example.com/hook');
    const sessionId = await seedOutboundCall(deps, { tenantId, agentId, webhookUrl: 'https://call.example.com/hook' });
    const event = lifecycleEvent({ tenantId, sessionId, agentId, state: 'ringing', occurredAt: new Date('2026-11-25T09:59:58.123Z') });
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [event], tx));

    const [row, ...rest] = await deliveries(sessionId);
    expect(rest).toEqual([]);
    expect(row).toMatchObject({ id: event.id, tenantId, sessionId, url: 'https://call.example.com/hook', state: 'pending', attempts: 0, nextAttemptAt: clock.now() });
    expect(row!.occurredAt.toISOString()).toBe('2026-11-25T09:59:58.123Z');
    expect(row!.body).toBe(JSON.stringify({ id: event.id, event: 'ringing', session_id: sessionId, occurred_at: event.occurred_at, call: event.data }));
  });

  it("falls back to the agent's status_webhook_url, and queues nothing when neither is set", async () => {
    const withHook = await newAgent('https://agent.example.com/hook');
    const s1 = await seedOutboundCall(deps, { tenantId, agentId: withHook });
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [lifecycleEvent({ tenantId, sessionId: s1, agentId: withHook, state: 'initiating', occurredAt: clock.now() })], tx));
    expect((await deliveries(s1)).map((d) => d.url)).toEqual(['https://agent.example.com/hook']);

    const without = await newAgent(null);
    const s2 = await seedOutboundCall(deps, { tenantId, agentId: without });
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [lifecycleEvent({ tenantId, sessionId: s2, agentId: without, state: 'initiating', occurredAt: clock.now() })], tx));
    expect(await deliveries(s2)).toEqual([]);
  });

  it("uses the event's agent when the dialer has no row for the call, and never another tenant's agent", async () => {
    const agentId = await newAgent('https://agent.example.com/hook');
    const sessionId = newId('callSession');
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [lifecycleEvent({ tenantId, sessionId, agentId, state: 'completed', occurredAt: clock.now() })], tx));
    expect(await deliveries(sessionId)).toHaveLength(1);

    const otherTenant = newId('tenant');
    const foreign = newId('callSession');
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [lifecycleEvent({ tenantId: otherTenant, sessionId: foreign, agentId, state: 'completed', occurredAt: clock.now() })], tx));
    expect(await deliveries(foreign)).toEqual([]);
  });

  it('queues one delivery per event however often the event is redelivered, and none for inbound calls', async () => {
    const agentId = await newAgent('https://agent.example.com/hook');
    const sessionId = await seedOutboundCall(deps, { tenantId, agentId });
    const event = lifecycleEvent({ tenantId, sessionId, agentId, state: 'in_progress', occurredAt: clock.now() });
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [event], tx));
    clock.advance(5_000);
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [event], tx));
    expect((await deliveries(sessionId)).map((d) => d.id)).toEqual([event.id]);

    const inbound = newId('callSession');
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [lifecycleEvent({ tenantId, sessionId: inbound, agentId, state: 'ringing', occurredAt: clock.now(), direction: 'inbound' })], tx));
    expect(await deliveries(inbound)).toEqual([]);
  });

  it('a batch of several calls queues each event to its own target, in one go', async () => {
    const hooked = await newAgent('https://agent.example.com/batch');
    const bare = await newAgent(null);
    const viaCall = await seedOutboundCall(deps, { tenantId, agentId: bare, webhookUrl: 'https://call.example.com/batch' });
    const viaAgent = await seedOutboundCall(deps, { tenantId, agentId: hooked });
    const silent = await seedOutboundCall(deps, { tenantId, agentId: bare });
    const foreign = newId('callSession');
    const events = [
      lifecycleEvent({ tenantId, sessionId: viaCall, agentId: bare, state: 'initiating', occurredAt: clock.now() }),
      lifecycleEvent({ tenantId, sessionId: viaAgent, agentId: hooked, state: 'initiating', occurredAt: clock.now() }),
      lifecycleEvent({ tenantId, sessionId: silent, agentId: bare, state: 'initiating', occurredAt: clock.now() }),
      lifecycleEvent({ tenantId: newId('tenant'), sessionId: foreign, agentId: hooked, state: 'ringing', occurredAt: clock.now() }),
      lifecycleEvent({ tenantId, sessionId: viaCall, agentId: bare, state: 'ringing', occurredAt: clock.now() }),
    ];
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, events, tx));
    expect((await deliveries(viaCall)).map((d) => [d.id, d.url]).sort()).toEqual(
      [
        [events[0]!.id, 'https://call.example.com/batch'],
        [events[4]!.id, 'https://call.example.com/batch'],
      ].sort(),
    );
    expect((await deliveries(viaAgent)).map((d) => [d.id, d.url])).toEqual([[events[1]!.id, 'https://agent.example.com/batch']]);
    expect(await deliveries(silent)).toEqual([]);
    expect(await deliveries(foreign)).toEqual([]);
  });
});

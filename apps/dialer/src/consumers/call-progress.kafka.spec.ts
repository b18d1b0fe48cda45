import { randomUUID } from 'node:crypto';
import { newId, TOPICS, type CallState } from '@callplane/contracts';
import { KafkaEventBus, namespacedBus, type EventBus } from '@callplane/events';
import { pollUntil } from '@callplane/testing';
import pino from 'pino';
import { TestClock } from '../dialer.test-harness';
import { lifecycleEvent, seedOutboundCall, webhookDeps } from '../status-webhooks.test-harness';
import { subscribeCallProgress } from './call-progress.consumer';

const STATES: CallState[] = ['initiating', 'ringing', 'in_progress', 'completed'];

/** The dialer's `call.lifecycle` consumer on the Kafka driver: batches of many calls, every event delivered twice. */
describe('call-progress consumer on Kafka', () => {
  jest.setTimeout(120_000);
  const clock = new TestClock();
  const deps = webhookDeps({ clock });
  let kafka: KafkaEventBus;
  let bus: EventBus;
  beforeAll(() => {
    kafka = new KafkaEventBus({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'dialer-progress-kafka-spec',
      logger: pino({ level: 'silent' }),
      consumer: { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 },
    });
    bus = namespacedBus(kafka, `spec-${randomUUID()}`);
  });
  afterAll(async () => {
    await kafka?.close();
    await deps.db.close();
  });

  test("each call's row ends where its events lead, with one status webhook per event, however the events are batched and redelivered", async () => {
    const tenantId = newId('tenant');
    await deps.prisma.tenant.create({ data: { id: tenantId, name: `Progress ${tenantId}` } });
    const agentId = newId('agent');
    await deps.prisma.agent.create({ data: { id: agentId, tenantId, name: 'a', systemPrompt: 'p', voice: {}, statusWebhookUrl: 'https://agent.example.com/hook' } });
    const calls = await Promise.all(Array.from({ length: 40 }, () => seedOutboundCall(deps, { tenantId, agentId })));
    const t0 = Date.parse('2026-11-25T10:00:00Z');
    const events = calls.flatMap((sessionId) => STATES.map((state, i) => lifecycleEvent({ tenantId, sessionId, agentId, state, occurredAt: new Date(t0 + i * 1000) })));

    // A backlog before the consumer joins (read in large batches), then the same events again as live traffic.
    await bus.publish(TOPICS.callLifecycle, events);
    await subscribeCallProgress(bus, deps);
    await bus.publish(TOPICS.callLifecycle, events);

    await pollUntil(async () => (await deps.prisma.outboundCall.count({ where: { id: { in: calls }, state: 'ended' } })) === calls.length, {
      timeoutMs: 60_000,
      description: 'every call ended',
    });
    await pollUntil(async () => (await deps.prisma.processedEvent.count({ where: { eventId: { in: events.map((e) => e.id) } } })) === events.length, {
      timeoutMs: 60_000,
      description: 'every event processed',
    });
    const rows = await deps.prisma.outboundCall.findMany({ where: { id: { in: calls } } });
    for (const row of rows) {
      expect(row).toMatchObject({ callState: 'completed', ringingAt: new Date(t0 + 1000), answeredAt: new Date(t0 + 2000), endedAt: new Date(t0 + 3000), state: 'ended' });
    }
    const deliveries = await deps.prisma.webhookDelivery.findMany({ where: { sessionId: { in: calls } }, select: { id: true } });
    expect(deliveries.map((d) => d.id).sort()).toEqual(events.map((e) => e.id).sort());
  });
});

import { randomUUID } from 'node:crypto';
import { newId, TOPICS, type EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { KafkaEventBus, namespacedBus, type EventBus } from '@callplane/events';
import { pollUntil } from '@callplane/testing';
import pino from 'pino';
import { Registry } from 'prom-client';
import { callStream, seededRandom, shuffledDeliveries, STREAM_COST_AT_TEST_PRICES, TEST_PRICES } from '../testing/call-stream';
import { callMetrics } from '../usecases/call-metrics';
import { PriceBook } from '../usecases/price-book';
import { subscribeCallEvents } from './call-events.consumer';

const logger = pino({ level: 'silent' });

/** The consumer on the Kafka driver, through the librdkafka mock broker: batches per partition, three topics, shuffled and duplicated delivery. */
describe('call-events consumer on Kafka', () => {
  jest.setTimeout(120_000);
  let db: Database;
  let kafka: KafkaEventBus;
  let bus: EventBus;
  beforeAll(async () => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 6 });
    kafka = new KafkaEventBus({
      brokers: (process.env.KAFKA_BROKERS as string).split(','),
      clientId: 'analytics-kafka-spec',
      logger,
      consumer: { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 },
    });
    // Own topics and group on the shared broker (auto-created), so parallel spec files do not meet.
    bus = namespacedBus(kafka, `spec-${randomUUID()}`);
  });
  afterAll(async () => {
    await kafka?.close();
    await db?.close();
  });

  test('sessions published out of order and twice, across the three topics, end up complete and correct', async () => {
    const prices = new PriceBook(TEST_PRICES);
    const tenant = newId('tenant');
    const sessions = Array.from({ length: 12 }, () => newId('callSession'));
    const random = seededRandom(42);
    const deliveries = sessions.flatMap((sessionId) => shuffledDeliveries(callStream({ tenantId: tenant, sessionId }), random, 0.5).flat());
    const topicOf = (e: EventEnvelope) => (e.type === 'call.transcript' ? TOPICS.callTranscript : e.type === 'call.usage' ? TOPICS.callUsage : TOPICS.callLifecycle);
    // Half before the consumer joins, half after: both the backlog and live traffic go through batches.
    const half = Math.floor(deliveries.length / 2);
    const publish = async (events: EventEnvelope[]) => {
      for (const topic of [TOPICS.callUsage, TOPICS.callTranscript, TOPICS.callLifecycle]) await bus.publish(topic, events.filter((e) => topicOf(e) === topic));
    };
    await publish(deliveries.slice(0, half));
    const metrics = callMetrics(new Registry());
    await subscribeCallEvents(bus, db.prisma, prices, logger, { maxBatchSize: 20, metrics });
    await publish(deliveries.slice(half));

    // Complete means every topic's events are in: the transcript's arrive on their own topic, after or before the rest.
    const complete = (r: { usageReportSeq: number; status: string | null; recordingUrl: string | null; transcript: unknown }) =>
      r.usageReportSeq === 3 && r.status === 'completed' && r.recordingUrl !== null && (r.transcript as unknown[]).length === 6;
    await pollUntil(async () => (await db.prisma.sessionView.findMany({ where: { id: { in: sessions } } })).filter(complete).length === sessions.length, {
      timeoutMs: 60_000,
      description: 'every session complete',
    });
    const rows = await db.prisma.sessionView.findMany({ where: { id: { in: sessions } } });
    for (const row of rows) {
      expect(row).toMatchObject({ tenantId: tenant, status: 'completed', endReason: 'caller_hangup', durationSeconds: 105, recordingUrl: `https://recordings.example.com/${row.id}.ogg`, cost: STREAM_COST_AT_TEST_PRICES });
      expect((row.transcript as unknown[]).length).toBe(6);
    }
    expect(await db.prisma.lead.findMany({ where: { tenantId: tenant } })).toMatchObject([{ number: '+919876543210', calls: sessions.length }]);
    const distinct = new Set(deliveries.map((e) => e.id)).size;
    await pollUntil(async () => (await db.prisma.processedEvent.count({ where: { consumer: { endsWith: 'analytics.sessions' }, eventId: { in: deliveries.map((e) => e.id) } } })) === distinct, {
      description: 'every distinct event recorded once',
    });
    // Each call counted once, started and ended, however its events were ordered, batched and duplicated.
    const total = async (c: typeof metrics.started | typeof metrics.ended) => (await c.get()).values.reduce((n, v) => n + v.value, 0);
    // Counted just after each commit, so the last count may trail the last dedupe mark by a moment.
    await pollUntil(async () => (await total(metrics.ended)) >= sessions.length, { description: 'every call counted as ended' });
    expect(await total(metrics.started)).toBe(sessions.length);
    expect(await total(metrics.ended)).toBe(sessions.length);
    expect((await metrics.started.get()).values).toEqual([{ labels: { direction: 'inbound', call_type: 'production', provider: 'twilio' }, value: sessions.length }]);
  });
});

import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { pollUntil, startKafkaMock, type KafkaMock } from '@callplane/testing';
import type { EventBus } from './event-bus';
import { KafkaEventBus } from './kafka.driver';
import { enqueueEvent } from './outbox.writer';
import { OutboxRelay } from './outbox.relay';

// Kafka client errors are kept: they show the producer actually met the outage and retried through it.
const clientErrors: string[] = [];
const logger = pino({ level: 'error' }, { write: (line: string) => void clientErrors.push(line) });
const BROKERS = [1, 2, 3];

/** A cluster of its own: taking every broker down must not disturb the other spec files. */
describe('Kafka brokers down for a few seconds', () => {
  const topic = `spec.outage.${randomUUID()}`;
  let mock: KafkaMock;
  let database: Database;
  let bus: KafkaEventBus;
  let relay: OutboxRelay;

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: BROKERS.length, topics: [{ name: topic, partitions: 3 }] });
    database = connectPostgres({ url: process.env.DATABASE_URL as string });
  });
  afterAll(async () => {
    await relay?.stop();
    await bus?.close();
    await database?.close();
    await mock?.stop();
  });

  test('events written to the outbox during the outage all arrive once the brokers are back', async () => {
    const { prisma } = database;
    bus = new KafkaEventBus({
      brokers: mock.bootstrap.split(','),
      clientId: 'outage-spec',
      logger,
      consumer: { sessionTimeoutMs: 6_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 },
    });
    const received = new Map<string, number>();
    await bus.subscribe({
      group: `spec.outage.${randomUUID()}`,
      topics: [topic],
      handler: async (e: EventEnvelope) => void received.set(e.id, (received.get(e.id) ?? 0) + 1),
    });
    // Observe the relay's publishes without changing them: proves the outage was met, not sidestepped.
    let publishesStarted = 0;
    const observed: EventBus = {
      publish: (t, events) => {
        publishesStarted++;
        return bus.publish(t, events);
      },
      subscribe: (s) => bus.subscribe(s),
      ping: () => bus.ping(),
      close: () => bus.close(),
    };
    relay = new OutboxRelay({ prisma, bus: observed, logger, topics: [topic], pollIntervalMs: 50, retry: { baseMs: 100, maxMs: 1_000 } });
    relay.start();

    const enqueue = (n: number) =>
      prisma.$transaction(async (tx) => {
        const out: EventEnvelope[] = [];
        for (let i = 0; i < n; i++) out.push(await enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: `cs_${i % 7}`, data: { i } }));
        return out;
      });

    // Healthy first: the consumer has its partitions and the producer its metadata.
    const [warmup] = await enqueue(1);
    relay.notify();
    await pollUntil(() => received.has(warmup!.id), { timeoutMs: 20_000, description: 'the warm-up event' });

    for (const id of BROKERS) await mock.setBrokerDown(id);
    const before = publishesStarted;
    const during = await enqueue(20);
    relay.notify();
    await pollUntil(() => publishesStarted > before, { description: 'the relay publishing while every broker is down' });
    await expect(bus.ping()).rejects.toThrow(); // the outage is real: readiness sees it
    // Keep the brokers down until the producer has failed to reconnect several times (its backoff makes that a few seconds).
    const errorsBefore = clientErrors.length;
    const producerRefused = () => clientErrors.slice(errorsBefore).filter((l) => l.includes('"kafka_client":"producer"') && l.includes('ECONNREFUSED')).length;
    await pollUntil(() => producerRefused() >= 12, {
      timeoutMs: 30_000,
      description: 'the producer retrying against the dead brokers',
    });
    expect(await prisma.outboxEvent.count({ where: { topic, publishedAt: { not: null }, id: { in: during.map((e) => e.id) } } })).toBe(0);
    for (const id of BROKERS) await mock.setBrokerUp(id);

    await pollUntil(() => during.every((e) => received.has(e.id)), { timeoutMs: 60_000, description: 'every event from the outage' });
    await pollUntil(async () => (await prisma.outboxEvent.count({ where: { topic, publishedAt: null } })) === 0, {
      timeoutMs: 30_000,
      description: 'every outbox row marked published',
    });
    // Per-key order survived the outage.
    const seenOrder = [...received.keys()];
    for (let k = 0; k < 7; k++) {
      const keyEvents = during.filter((e) => e.key === `cs_${k}`).map((e) => e.id);
      expect(seenOrder.filter((id) => keyEvents.includes(id))).toEqual(keyEvents);
    }
  });
});

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
/** A campaign's worth of calls, each writing its lifecycle: 55 calls × 4 steps = 220 events. */
const CALLS = Array.from({ length: 55 }, (_, i) => `cs_outage_${String(i).padStart(3, '0')}`);
const CALL_STEPS = ['call.initiating', 'call.ringing', 'call.in_progress', 'call.completed'];
/** Written while the brokers are up; the rest of the burst (ten times the single-call outage's 20) while they are down. */
const BEFORE_OUTAGE = 20;
const DURING_OUTAGE = CALLS.length * CALL_STEPS.length - BEFORE_OUTAGE;

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

  test('a campaign-sized burst of call events, with the brokers down mid-burst: every event arrives, in order per call, and the outbox empties', async () => {
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

    // The burst: each call's lifecycle, one transaction per step as the call-state machine writes them, the calls
    // progressing side by side as a campaign's do. Keyed by session, as call events are.
    const burst = CALL_STEPS.flatMap((type) => CALLS.map((sessionId) => ({ type, sessionId })));
    const write = async (steps: typeof burst) => {
      const byCall = new Map<string, string[]>();
      for (const { type, sessionId } of steps) byCall.set(sessionId, [...(byCall.get(sessionId) ?? []), type]);
      const written = await Promise.all(
        [...byCall].map(async ([sessionId, types]) => {
          const out: EventEnvelope[] = [];
          for (const type of types) {
            out.push(await prisma.$transaction((tx) => enqueueEvent(tx, { topic, type, tenantId: 'ten_1', key: sessionId, data: { session_id: sessionId } })));
            relay.notify();
          }
          return out;
        }),
      );
      return written.flat();
    };

    // Healthy first: the first part of the burst flows through (the consumer has its partitions, the producer its metadata).
    const before = await write(burst.slice(0, BEFORE_OUTAGE));
    await pollUntil(() => before.every((e) => received.has(e.id)), { timeoutMs: 20_000, description: 'the events before the outage' });

    const errorsBefore = clientErrors.length;
    for (const id of BROKERS) await mock.setBrokerDown(id);
    const publishesBefore = publishesStarted;
    const during = await write(burst.slice(BEFORE_OUTAGE));
    expect(during).toHaveLength(DURING_OUTAGE);
    await pollUntil(() => publishesStarted > publishesBefore, { description: 'the relay publishing while every broker is down' });
    await expect(bus.ping()).rejects.toThrow(); // the outage is real: readiness sees it
    // Keep the brokers down until the producer has failed to reconnect several times (its backoff makes that a few seconds).
    const producerRefused = () => clientErrors.slice(errorsBefore).filter((l) => l.includes('"kafka_client":"producer"') && l.includes('ECONNREFUSED')).length;
    await pollUntil(() => producerRefused() >= 12, {
      timeoutMs: 30_000,
      description: 'the producer retrying against the dead brokers',
    });
    expect(await prisma.outboxEvent.count({ where: { topic, publishedAt: { not: null }, id: { in: during.map((e) => e.id) } } })).toBe(0);
    for (const id of BROKERS) await mock.setBrokerUp(id);

    // None lost: every event of the burst reaches the consumer (at least once), and every outbox row is marked published.
    const all = [...before, ...during];
    await pollUntil(() => all.every((e) => received.has(e.id)), { timeoutMs: 60_000, description: 'every event of the burst' });
    await pollUntil(async () => (await prisma.outboxEvent.count({ where: { topic, publishedAt: null } })) === 0, {
      timeoutMs: 30_000,
      description: 'every outbox row marked published',
    });
    expect(await prisma.outboxEvent.count({ where: { topic } })).toBe(all.length);
    // Per-call order survived the outage: each call's events were first seen in the order they were written.
    const seenOrder = [...received.keys()];
    for (const sessionId of CALLS) {
      const written = all.filter((e) => e.key === sessionId).map((e) => e.id);
      expect({ sessionId, seen: seenOrder.filter((id) => written.includes(id)) }).toEqual({ sessionId, seen: written });
    }
  });
});

import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { EventEnvelope } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { BackendTerminator, pollUntil, startKafkaMock, type KafkaMock } from '@callplane/testing';
import type { EventBus } from './event-bus';
import { InProcessEventBus } from './in-process.driver';
import { KafkaEventBus } from './kafka.driver';
import { enqueueEvent } from './outbox.writer';
import { OutboxRelay } from './outbox.relay';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
// Unique topics keep each test's rows apart in this file's outbox table (relays filter by topic).
const unique = (what: string) => `spec.${what}.${randomUUID()}`;
const seqOf = (e: EventEnvelope) => (e.data as { seq: number }).seq;
const FAST_CONSUMER = { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 };

describe('outbox', () => {
  const dbs: Database[] = [];
  const cleanups: Array<() => Promise<void>> = [];
  const db = () => {
    const d = connectPostgres({ url: process.env.DATABASE_URL as string });
    dbs.push(d);
    return d;
  };
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
    await Promise.all(dbs.splice(0).map((d) => d.close()));
  });

  test('enqueueEvent writes the envelope in the caller transaction, in order within the transaction', async () => {
    const { prisma } = db();
    const topic = unique('topic');
    const envelopes = await prisma.$transaction(async (tx) => [
      await enqueueEvent(tx, { topic, type: 'call.ringing', tenantId: 'ten_1', key: 'cs_1', data: { seq: 1 } }),
      await enqueueEvent(tx, { topic, type: 'call.in_progress', tenantId: 'ten_1', key: 'cs_1', data: { seq: 2 }, version: 2 }),
    ]);
    expect(envelopes[0]).toMatchObject({ type: 'call.ringing', version: 1, tenant_id: 'ten_1', key: 'cs_1', data: { seq: 1 } });
    expect(envelopes[0]?.id).toMatch(/^evt_[0-9a-f]{32}$/);
    expect(envelopes[1]?.version).toBe(2);
    const rows = await prisma.outboxEvent.findMany({ where: { topic }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(rows.map((r) => r.id)).toEqual(envelopes.map((e) => e.id));
    expect(rows[0]).toMatchObject({ key: 'cs_1', publishedAt: null, attempts: 0, envelope: envelopes[0] });
  });

  // Every relay behaviour holds on both paths: Prisma (the embedded database has no pg pool) and the pg pool.
  describe.each([['Prisma', false], ['the pg pool', true]] as const)('relay through %s', (_name, usePool) => {
    const on = (d: Database) => ({ prisma: d.prisma, pool: usePool ? d.pool : undefined });

    test('one batch publishes what it can: a failing topic is recorded, a key whose older row another relay holds waits', async () => {
      const d = db();
      const { prisma } = d;
      const [good, bad] = [unique('good'), unique('bad')];
      const inProcess = new InProcessEventBus({ logger });
      cleanups.push(() => inProcess.close());
      const handled: EventEnvelope[] = [];
      await inProcess.subscribe({ group: 'g', topics: [good], handler: async (e) => void handled.push(e) });
      const bus: EventBus = {
        publish: async (t, events) => {
          if (t === bad) throw new Error('broker said no');
          await inProcess.publish(t, events);
        },
        subscribe: (sub) => inProcess.subscribe(sub),
        ping: () => inProcess.ping(),
        close: () => inProcess.close(),
      };
      const enqueue = (topic: string, key: string, seq: number) =>
        prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key, data: { seq } }));
      const held = await enqueue(good, 'cs_held', 1);
      const waiting = await enqueue(good, 'cs_held', 2);
      const free = await enqueue(good, 'cs_free', 3);
      const failing = await enqueue(bad, 'cs_bad', 4);

      // Another relay's transaction holds the key's oldest row.
      const other = await (d.pool as NonNullable<Database['pool']>).connect();
      try {
        await other.query('BEGIN');
        await other.query('SELECT id FROM outbox_events WHERE id = $1 FOR UPDATE', [held.id]);
        const relay = new OutboxRelay({ ...on(d), bus, logger, topics: [good, bad] });
        const r = await relay.publishBatch();
        expect(r).toMatchObject({ claimed: 3, published: 1, deferred: 1, failed: 1 });
        expect((r.error as Error).message).toBe('broker said no');
        await other.query('ROLLBACK');

        const rows = new Map((await prisma.outboxEvent.findMany({ where: { topic: { in: [good, bad] } } })).map((row) => [row.id, row]));
        expect(rows.get(free.id)).toMatchObject({ attempts: 1, lastError: null });
        expect(rows.get(free.id)?.publishedAt).not.toBeNull();
        expect(rows.get(failing.id)).toMatchObject({ attempts: 1, lastError: 'broker said no', publishedAt: null });
        expect(rows.get(waiting.id)).toMatchObject({ attempts: 0, publishedAt: null });
        expect(rows.get(held.id)).toMatchObject({ attempts: 0, publishedAt: null });

        // The lock is gone: the key's rows go out in order.
        expect(await relay.publishBatch()).toMatchObject({ claimed: 3, published: 2, deferred: 0, failed: 1 });
        await inProcess.drain();
        expect(handled.map(seqOf)).toEqual([3, 1, 2]);
        const after = await prisma.outboxEvent.findUniqueOrThrow({ where: { id: failing.id } });
        expect(after).toMatchObject({ attempts: 2, lastError: 'broker said no', publishedAt: null });
      } finally {
        other.release();
      }
    });

    test('notify() calls made while a batch runs add one batch, not one each', async () => {
      const d = db();
      const { prisma } = d;
      const topic = unique('topic');
      const inProcess = new InProcessEventBus({ logger });
      cleanups.push(() => inProcess.close());
      let publishes = 0;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const bus: EventBus = {
        publish: async (t, events) => {
          publishes++;
          await gate;
          await inProcess.publish(t, events);
        },
        subscribe: (sub) => inProcess.subscribe(sub),
        ping: () => inProcess.ping(),
        close: () => inProcess.close(),
      };
      const enqueue = (seq: number) => prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: `cs_${seq}`, data: { seq } }));
      // An hour between polls: every batch after the first is notify()'s.
      const relay = new OutboxRelay({ ...on(d), bus, logger, topics: [topic], pollIntervalMs: 3_600_000 });
      await enqueue(0);
      relay.start();
      cleanups.push(() => relay.stop());
      await pollUntil(() => publishes === 1, { description: 'the first batch publishing' });
      for (let seq = 1; seq <= 20; seq++) {
        await enqueue(seq);
        relay.notify();
      }
      release();
      await pollUntil(async () => (await prisma.outboxEvent.count({ where: { topic, publishedAt: null } })) === 0, { description: 'every row published' });
      expect(publishes).toBe(2);
    });


    test('committed events reach Kafka consumers in order; an event from a rolled-back transaction never does', async () => {
      const d = db();
      const { prisma } = d;
      const topic = unique('topic');
      const bus = new KafkaEventBus({ brokers: (process.env.KAFKA_BROKERS as string).split(','), clientId: 'outbox-spec', logger, consumer: FAST_CONSUMER });
      cleanups.push(() => bus.close());
      const received: EventEnvelope[] = [];
      await bus.subscribe({ group: unique('group'), topics: [topic], handler: async (e) => void received.push(e) });
      const relay = new OutboxRelay({ ...on(d), bus, logger, topics: [topic] });

      const enqueue = (tx: Parameters<Parameters<typeof prisma.$transaction>[0]>[0], seq: number) =>
        enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: 'cs_same', data: { seq } });
      await prisma.$transaction(async (tx) => {
        for (const seq of [1, 2, 3]) await enqueue(tx, seq);
      });
      let rolledBack: EventEnvelope | undefined;
      await expect(
        prisma.$transaction(async (tx) => {
          rolledBack = await enqueue(tx, 99);
          throw new Error('business rule failed');
        }),
      ).rejects.toThrow('business rule failed');
      // Same key, so same partition: once this arrives, anything enqueued before it would have too.
      await prisma.$transaction((tx) => enqueue(tx, 4));

      await relay.flush();
      await pollUntil(() => received.some((e) => seqOf(e) === 4), { timeoutMs: 20_000, description: 'the last committed event' });
      expect(received.map(seqOf)).toEqual([1, 2, 3, 4]);
      expect(await prisma.outboxEvent.findUnique({ where: { id: rolledBack?.id as string } })).toBeNull();
      const rows = await prisma.outboxEvent.findMany({ where: { topic } });
      expect(rows.every((r) => r.publishedAt !== null && r.attempts === 1)).toBe(true);
    });

    test('two relays running at once publish every row exactly once, keeping per-key order', async () => {
      const topic = unique('topic');
      const bus = new InProcessEventBus({ logger });
      cleanups.push(() => bus.close());
      const handled: EventEnvelope[] = [];
      await bus.subscribe({ group: 'g', topics: [topic], handler: async (e) => void handled.push(e) });

      const writer = db().prisma;
      const keys = Array.from({ length: 10 }, (_, i) => `cs_${i}`);
      for (let seq = 0; seq < 30; seq++) {
        await writer.$transaction(async (tx) => {
          for (const key of keys) await enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key, data: { seq } });
        });
      }

      // Two replicas: their own connection pools; a thin wrapper counts what each one published.
      const published = { a: 0, b: 0 };
      const counting = (name: 'a' | 'b'): EventBus => ({
        publish: async (t, events) => {
          published[name] += events.length;
          await bus.publish(t, events);
        },
        subscribe: (s) => bus.subscribe(s),
        ping: () => bus.ping(),
        close: () => bus.close(),
      });
      const relays = (['a', 'b'] as const).map(
        (name) => new OutboxRelay({ ...on(db()), bus: counting(name), logger, topics: [topic], batchSize: 7, pollIntervalMs: 20 }),
      );
      relays.forEach((r) => r.start());
      cleanups.push(async () => void (await Promise.all(relays.map((r) => r.stop()))));

      await pollUntil(() => handled.length >= 300, { timeoutMs: 30_000, description: '300 events handled' });
      await Promise.all(relays.map((r) => r.stop()));
      await bus.drain();

      expect(handled).toHaveLength(300);
      expect(new Set(handled.map((e) => e.id)).size).toBe(300);
      for (const key of keys) expect(handled.filter((e) => e.key === key).map(seqOf)).toEqual(Array.from({ length: 30 }, (_, i) => i));
      expect(published.a + published.b).toBe(300);
      expect(published.a).toBeGreaterThan(0);
      expect(published.b).toBeGreaterThan(0);
      expect(await writer.outboxEvent.count({ where: { topic, publishedAt: null } })).toBe(0);
    });

    test('a failed publish is recorded on the row and retried until the broker takes it', async () => {
      const d = db();
      const { prisma } = d;
      const topic = unique('topic');
      const mock: KafkaMock = await startKafkaMock({ brokers: 1, topics: [{ name: topic, partitions: 2 }] });
      cleanups.push(() => mock.stop());
      // No producer retries: the first publish during the outage fails at once and the relay must retry it.
      const bus = new KafkaEventBus({ brokers: mock.bootstrap.split(','), clientId: 'outbox-spec-retry', logger, publishRetry: { retries: 0 }, consumer: FAST_CONSUMER });
      cleanups.push(() => bus.close());
      const received: EventEnvelope[] = [];
      await bus.subscribe({ group: unique('group'), topics: [topic], handler: async (e) => void received.push(e) });

      await mock.setBrokerDown(1);
      const sent = await prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: 'cs_1', data: { seq: 1 } }));
      const relay = new OutboxRelay({ ...on(d), bus, logger, topics: [topic], pollIntervalMs: 50, retry: { baseMs: 50, maxMs: 300 } });
      relay.start();
      cleanups.push(() => relay.stop());

      const failed = await pollUntil(
        async () => {
          const row = await prisma.outboxEvent.findUnique({ where: { id: sent.id } });
          return row && row.attempts >= 2 && row.lastError ? row : undefined;
        },
        { timeoutMs: 20_000, description: 'two failed attempts recorded' },
      );
      expect(failed.publishedAt).toBeNull();

      await mock.setBrokerUp(1);
      await pollUntil(() => received.some((e) => e.id === sent.id), { timeoutMs: 30_000, description: 'the event after the broker is back' });
      const row = await prisma.outboxEvent.findUniqueOrThrow({ where: { id: sent.id } });
      expect(row.publishedAt).not.toBeNull();
      expect(row.attempts).toBeGreaterThan(failed.attempts);
    });

    test('stop() lets the batch in flight finish: it is published and marked', async () => {
      const d = db();
      const { prisma } = d;
      const topic = unique('topic');
      const bus = new InProcessEventBus({ logger });
      cleanups.push(() => bus.close());
      let enteredPublish = false;
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      const gated: EventBus = {
        publish: async (t, events) => {
          enteredPublish = true;
          await gate;
          await bus.publish(t, events);
        },
        subscribe: (s) => bus.subscribe(s),
        ping: () => bus.ping(),
        close: () => bus.close(),
      };
      const sent = await prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: 'cs_1', data: { seq: 1 } }));
      const relay = new OutboxRelay({ ...on(d), bus: gated, logger, topics: [topic], pollIntervalMs: 20 });
      relay.start();
      await pollUntil(() => enteredPublish, { description: 'the relay publishing' });

      let stopped = false;
      const stopping = relay.stop().then(() => (stopped = true));
      await pollUntil(async () => (await prisma.outboxEvent.count({ where: { topic } })) === 1); // a round trip while stop() waits
      expect(stopped).toBe(false);
      release();
      await stopping;
      const row = await prisma.outboxEvent.findUniqueOrThrow({ where: { id: sent.id } });
      expect(row.publishedAt).not.toBeNull();
    });

    test('its connection ended by the server while a batch waits on the bus: the batch fails, the process goes on, the next batch publishes', async () => {
      const d = db();
      const { prisma } = d;
      const topic = unique('topic');
      const bus = new InProcessEventBus({ logger });
      cleanups.push(() => bus.close());
      const handled: string[] = [];
      await bus.subscribe({ group: 'g', topics: [topic], handler: async (e) => void handled.push(e.id) });
      const terminator = new BackendTerminator(process.env.DATABASE_URL as string);
      await terminator.connect();
      cleanups.push(() => terminator.stop());
      let terminated: number | undefined;
      const terminating: EventBus = {
        publish: async (t, events) => {
          if (terminated === undefined) {
            // The batch's connection is idle in its transaction: the server's goodbye reaches no query, only the client.
            terminated = await terminator.terminateAll();
            await pollUntil(async () => (await terminator.otherBackends()) === 0, { description: 'the backends gone' });
          }
          await bus.publish(t, events);
        },
        subscribe: (s) => bus.subscribe(s),
        ping: () => bus.ping(),
        close: () => bus.close(),
      };
      const sent = await prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: 'cs_1', data: { seq: 1 } }));
      const relay = new OutboxRelay({ ...on(d), bus: terminating, logger, topics: [topic] });

      const r = await relay.publishBatch();
      expect(terminated).toBeGreaterThan(0);
      expect(r).toMatchObject({ claimed: 0, published: 0, failed: 1 });
      expect(await prisma.outboxEvent.findUniqueOrThrow({ where: { id: sent.id } })).toMatchObject({ publishedAt: null });
      await relay.flush();
      expect((await prisma.outboxEvent.findUniqueOrThrow({ where: { id: sent.id } })).publishedAt).not.toBeNull();
      // Handed to the bus by the failed batch and again by the next: at least once, as consumers expect.
      await pollUntil(() => handled.filter((id) => id === sent.id).length === 2, { description: 'the event delivered twice' });
    });

    test('notify() publishes without waiting for the next poll', async () => {
      const d = db();
      const { prisma } = d;
      const topic = unique('topic');
      const bus = new InProcessEventBus({ logger });
      cleanups.push(() => bus.close());
      const handled: string[] = [];
      await bus.subscribe({ group: 'g', topics: [topic], handler: async (e) => void handled.push(e.id) });
      // An hour between polls: only notify() can explain a prompt delivery.
      const relay = new OutboxRelay({ ...on(d), bus, logger, topics: [topic], pollIntervalMs: 3_600_000 });
      const enqueue = () => prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: 'cs_1', data: {} }));
      const first = await enqueue();
      relay.start();
      cleanups.push(() => relay.stop());
      // Published by the first poll; the relay then sleeps for the hour.
      await pollUntil(() => handled.includes(first.id), { description: 'the event of the first poll' });

      const second = await enqueue();
      relay.notify();
      await pollUntil(() => handled.includes(second.id), { timeoutMs: 5_000, description: 'the notified event' });
    });
  });

  test('through the pg pool, a publish that outlasts the transaction timeout rolls the batch back; the rows stay pending', async () => {
    const d = db();
    const topic = unique('topic');
    const inProcess = new InProcessEventBus({ logger });
    cleanups.push(() => inProcess.close());
    let slow = true;
    const bus: EventBus = {
      publish: async (t, events) => {
        if (slow) await new Promise((r) => setTimeout(r, 500));
        await inProcess.publish(t, events);
      },
      subscribe: (sub) => inProcess.subscribe(sub),
      ping: () => inProcess.ping(),
      close: () => inProcess.close(),
    };
    const sent = await d.prisma.$transaction((tx) => enqueueEvent(tx, { topic, type: 'spec.step', tenantId: 'ten_1', key: 'cs_1', data: { seq: 1 } }));
    const relay = new OutboxRelay({ prisma: d.prisma, pool: d.pool, bus, logger, topics: [topic], transactionTimeoutMs: 50 });
    const r = await relay.publishBatch();
    expect(r).toMatchObject({ claimed: 0, failed: 1 });
    expect((r.error as Error).message).toMatch(/timed out/);
    expect(await d.prisma.outboxEvent.findUniqueOrThrow({ where: { id: sent.id } })).toMatchObject({ attempts: 0, publishedAt: null });
    slow = false;
    await relay.flush();
    expect((await d.prisma.outboxEvent.findUniqueOrThrow({ where: { id: sent.id } })).publishedAt).not.toBeNull();
  });
});

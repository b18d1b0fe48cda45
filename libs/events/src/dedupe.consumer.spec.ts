import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { buildEventEnvelope, type EventEnvelope } from '@callplane/contracts';
import { connectPostgres, sqlOver, type Database, type DbTx } from '@callplane/db';
import { pollUntil } from '@callplane/testing';
import { subscribeDeduped, subscribeDedupedBatch, subscribeDedupedBatchSql, subscribeDedupedSql } from './dedupe.consumer';
import { InProcessEventBus } from './in-process.driver';
import { KafkaEventBus } from './kafka.driver';

const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
const unique = (what: string) => `spec.${what}.${randomUUID()}`;
const FAST_CONSUMER = { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 };

/**
 * The handler's effect is a counter in a real row (a tenant's name, "0", "1", …) written in the handler's
 * transaction: it shows how many times an event's effects committed, not just how often the handler ran.
 */
describe('subscribeDeduped', () => {
  let database: Database;
  let tenantId: string;
  beforeAll(() => {
    database = connectPostgres({ url: process.env.DATABASE_URL as string });
  });
  afterAll(() => database.close());
  beforeEach(async () => {
    tenantId = `ten_${randomUUID()}`;
    await database.prisma.tenant.create({ data: { id: tenantId, name: '0' } });
  });

  const bump = (tx: DbTx) => tx.$executeRaw`UPDATE tenants SET name = (name::int + 1)::text WHERE id = ${tenantId}`;
  const counter = async () => Number((await database.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).name);
  const event = (): EventEnvelope => buildEventEnvelope({ type: 'spec.counted', tenantId, key: 'cs_1', data: {} });

  test('the same event delivered twice has its effects committed once', async () => {
    const bus = new InProcessEventBus({ logger });
    const topic = unique('topic');
    let runs = 0;
    await subscribeDeduped(bus, database.prisma, {
      group: unique('group'),
      topics: [topic],
      handle: async (_e, tx) => {
        runs++;
        await bump(tx);
      },
    });
    const e = event();
    await bus.publish(topic, [e]);
    await bus.publish(topic, [e]); // a relay republishing after a crash
    await bus.drain();
    await bus.close();
    expect(await counter()).toBe(1);
    expect(runs).toBe(1);
  });

  test('a handler that throws rolls back its effects and the dedupe mark, so the redelivery applies them once', async () => {
    const bus = new InProcessEventBus({ logger, handlerRetry: { baseMs: 5, maxMs: 20 } });
    const topic = unique('topic');
    const group = unique('group');
    let runs = 0;
    await subscribeDeduped(bus, database.prisma, {
      group,
      topics: [topic],
      handle: async (_e, tx) => {
        runs++;
        await bump(tx);
        if (runs === 1) throw new Error('failed after writing');
      },
    });
    const e = event();
    await bus.publish(topic, [e]);
    await bus.drain();
    await bus.close();
    expect(runs).toBe(2);
    expect(await counter()).toBe(1);
    expect(await database.prisma.processedEvent.count({ where: { consumer: group, eventId: e.id } })).toBe(1);
  });

  test.each([
    ['on the pg pool', true],
    ['through Prisma (no pool)', false],
  ])('on libs/db Sql %s: a duplicate is skipped, and a handler that throws rolls back its effects and the dedupe mark', async (_name, viaPool) => {
    const bus = new InProcessEventBus({ logger, handlerRetry: { baseMs: 5, maxMs: 20 } });
    const topic = unique('topic');
    const group = unique('group');
    let runs = 0;
    await subscribeDedupedSql(bus, sqlOver(database.prisma, viaPool ? database.pool : null), {
      group,
      topics: [topic],
      handle: async (_e, tx) => {
        runs++;
        await tx.query(`UPDATE tenants SET name = (name::int + 1)::text WHERE id = $1`, [tenantId]);
        if (runs === 1) throw new Error('failed after writing');
      },
    });
    const e = event();
    await bus.publish(topic, [e]);
    await bus.drain();
    await bus.publish(topic, [e]); // a relay republishing after a crash
    await bus.drain();
    await bus.close();
    expect(runs).toBe(2);
    expect(await counter()).toBe(1);
    expect(await database.prisma.processedEvent.count({ where: { consumer: group, eventId: e.id } })).toBe(1);
  });

  test('dedupe is per group: each group applies the event once', async () => {
    const bus = new InProcessEventBus({ logger });
    const topic = unique('topic');
    for (const group of [unique('group-a'), unique('group-b')]) {
      await subscribeDeduped(bus, database.prisma, { group, topics: [topic], handle: (_e, tx) => bump(tx).then(() => undefined) });
    }
    const e = event();
    await bus.publish(topic, [e, e]);
    await bus.drain();
    await bus.close();
    expect(await counter()).toBe(2);
  });

  test('over Kafka: a duplicate on the topic is skipped', async () => {
    const bus = new KafkaEventBus({ brokers: (process.env.KAFKA_BROKERS as string).split(','), clientId: 'dedupe-spec', logger, consumer: FAST_CONSUMER });
    try {
      const topic = unique('topic');
      const group = unique('group');
      const seen: string[] = [];
      await subscribeDeduped(bus, database.prisma, {
        group,
        topics: [topic],
        handle: async (e, tx) => {
          seen.push(e.id);
          await bump(tx);
        },
      });
      const dup = event();
      const last = event();
      await bus.publish(topic, [dup, dup]);
      await bus.publish(topic, [last]); // same key, same partition: handled after both copies
      // The dedupe mark commits with the effects, so once the last event's mark is visible every earlier copy is settled.
      await pollUntil(() => database.prisma.processedEvent.findUnique({ where: { consumer_eventId: { consumer: group, eventId: last.id } } }), {
        timeoutMs: 20_000,
        description: 'the last event committed',
      });
      expect(seen).toEqual([dup.id, last.id]);
      expect(await counter()).toBe(2);
    } finally {
      await bus.close();
    }
  });

  test('batches: `committed` gets what the handler returned once its transaction committed, never for a rolled-back attempt or a batch of duplicates', async () => {
    const bus = new InProcessEventBus({ logger, handlerRetry: { baseMs: 5, maxMs: 20 } });
    const topic = unique('topic');
    let runs = 0;
    const reported: Array<{ ids: string[]; counter: Promise<number> }> = [];
    await subscribeDedupedBatch(bus, database.prisma, {
      group: unique('group'),
      topics: [topic],
      handle: async (events, tx) => {
        runs++;
        await bump(tx);
        if (runs === 1) throw new Error('failed after writing');
        return events.map((e) => e.id);
      },
      // Read from outside the transaction: by now the handler's write must be visible.
      committed: (ids) => void reported.push({ ids, counter: counter() }),
    });
    const e = event();
    await bus.publish(topic, [e]);
    await bus.drain();
    await bus.publish(topic, [e]); // a redelivery: nothing new, nothing to report
    await bus.drain();
    await bus.close();
    expect(runs).toBe(2);
    expect(reported.map((r) => r.ids)).toEqual([[e.id]]);
    expect(await reported[0]!.counter).toBe(1);
  });

  test.each([
    ['on the pg pool', true],
    ['through Prisma (no pool)', false],
  ])('batches on libs/db Sql %s: one transaction with the processed rows, rolled back whole when the handler throws; duplicates skipped', async (_name, viaPool) => {
    const bus = new InProcessEventBus({ logger, handlerRetry: { baseMs: 5, maxMs: 20 } });
    const topic = unique('topic');
    const group = unique('group');
    const sql = sqlOver(database.prisma, viaPool ? database.pool : null);
    let runs = 0;
    const handled: string[][] = [];
    const reported: string[][] = [];
    await subscribeDedupedBatchSql(bus, sql, {
      group,
      topics: [topic],
      handle: async (events, tx) => {
        runs++;
        await tx.query(`UPDATE tenants SET name = (name::int + 1)::text WHERE id = $1`, [tenantId]);
        if (runs === 1) throw new Error('failed after writing');
        handled.push(events.map((e) => e.id));
        return events.map((e) => e.id);
      },
      committed: (ids) => void reported.push(ids),
    });
    const a = event();
    const b = event();
    await bus.publish(topic, [a, b, a]);
    await bus.drain();
    await bus.publish(topic, [b]); // a redelivery: nothing new
    await bus.drain();
    await bus.close();
    // The first attempt's write and its processed rows rolled back together; the retry handled each event once.
    expect(runs).toBe(2);
    expect(handled).toEqual([[a.id, b.id]]);
    expect(reported).toEqual([[a.id, b.id]]);
    expect(await counter()).toBe(1);
    expect(await database.prisma.processedEvent.count({ where: { consumer: group } })).toBe(2);
  });
});

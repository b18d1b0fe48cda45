import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { buildEventEnvelope, type EventEnvelope } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import type { EventBus } from './event-bus';
import { BatchCoalescer, subscribeBatched } from './batch';
import { InProcessEventBus } from './in-process.driver';
import { KafkaEventBus } from './kafka.driver';

const logger = pino({ level: 'silent' });
const unique = (what: string) => `spec.${what}.${randomUUID()}`;
const event = (key: string, seq: number): EventEnvelope => buildEventEnvelope({ type: 'spec.happened', tenantId: 'ten_spec', key, data: { seq } });
const seqOf = (e: EventEnvelope) => (e.data as { seq: number }).seq;
const sent = (keys: number, perKey: number) => Array.from({ length: perKey }, (_, seq) => Array.from({ length: keys }, (_, k) => event(`cs_${k}`, seq))).flat();

describe.each([
  ['in-process', () => new InProcessEventBus({ logger, handlerRetry: { baseMs: 5, maxMs: 20 } })],
  ['Kafka', () => new KafkaEventBus({ brokers: (process.env.KAFKA_BROKERS as string).split(','), clientId: 'batch-spec', logger, handlerRetry: { baseMs: 20, maxMs: 100 }, consumer: { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 } })],
] as Array<[string, () => EventBus]>)('subscribeBatch on the %s driver', (_name, makeBus) => {
  jest.setTimeout(120_000);
  let bus: EventBus;
  beforeEach(() => {
    bus = makeBus();
  });
  afterEach(async () => {
    await bus.close();
  });

  test('delivers every event in batches no larger than maxBatchSize, one key in order; a failed batch comes again whole', async () => {
    const topic = unique('topic');
    const events = sent(5, 40);
    await bus.publish(topic, events.slice(0, 100)); // a backlog before the group joins
    const batches: EventEnvelope[][] = [];
    let failures = 1;
    await subscribeBatched(bus, {
      group: unique('group'),
      topics: [topic],
      maxBatchSize: 16,
      handler: async (batch) => {
        if (failures-- > 0) throw new Error('database unavailable');
        batches.push(batch);
      },
    });
    await bus.publish(topic, events.slice(100));
    await pollUntil(() => new Set(batches.flat().map((e) => e.id)).size === events.length, { timeoutMs: 60_000, description: 'every event' });

    expect(Math.max(...batches.map((b) => b.length))).toBeLessThanOrEqual(16);
    expect(batches.some((b) => b.length > 1)).toBe(true);
    const handled = batches.flat();
    expect(handled).toHaveLength(events.length); // the failed batch was not half-applied and nothing came twice after success
    for (let k = 0; k < 5; k++) expect(handled.filter((e) => e.key === `cs_${k}`).map(seqOf)).toEqual(Array.from({ length: 40 }, (_, i) => i));
  });
});

test('Kafka: offsets are committed only for batches whose handler resolved', async () => {
  const brokers = (process.env.KAFKA_BROKERS as string).split(',');
  const bus = new KafkaEventBus({ brokers, clientId: 'batch-commit-spec', logger, handlerRetry: { baseMs: 50, maxMs: 50 }, consumer: { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100, partitionsConsumedConcurrently: 1 } });
  const topic = unique('topic');
  const group = unique('group');
  const admin = new Kafka({ clientId: 'batch-commit-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    // One key: one partition.
    await bus.publish(topic, Array.from({ length: 10 }, (_, i) => event('cs_one', i)));
    let failing = true;
    let attempts = 0;
    await bus.subscribeBatch!({
      group,
      topics: [topic],
      maxBatchSize: 4,
      handler: async (batch) => {
        if (seqOf(batch[0]!) >= 4 && failing) {
          attempts++;
          throw new Error('write failed');
        }
      },
    });
    await pollUntil(() => attempts >= 3, { timeoutMs: 30_000, description: 'the second batch to be retried' });
    const committed = async () => {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    };
    // The first batch (4 events) is committed at most; the failing one never is while it fails.
    await pollUntil(async () => (await committed()) === 4, { timeoutMs: 20_000, description: 'the first batch committed' });
    failing = false;
    await pollUntil(async () => (await committed()) === 10, { timeoutMs: 30_000, description: 'everything committed once handled' });
  } finally {
    await admin.disconnect();
    await bus.close();
  }
});

test('Kafka: partitions merged into one handler call commit together, and only after it resolved; a failure commits none of them and the events come again', async () => {
  const brokers = (process.env.KAFKA_BROKERS as string).split(',');
  const options = { brokers, logger, handlerRetry: { baseMs: 50, maxMs: 50 }, consumer: { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100, batchLingerMs: 300 } };
  const topic = unique('topic');
  const group = unique('group');
  const admin = new Kafka({ clientId: 'batch-merge-admin', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const first = new KafkaEventBus({ ...options, clientId: 'batch-merge-spec-1' });
  let second: KafkaEventBus | undefined;
  try {
    // Many keys: several partitions, published before the group joins so their first fetches arrive together.
    const events = sent(12, 3);
    await first.publish(topic, events);
    const partitionsWithData = (await admin.fetchTopicOffsets(topic)).filter((p) => Number(p.high) > 0).length;
    expect(partitionsWithData).toBeGreaterThan(1);
    const committed = async () => {
      const offsets = await admin.fetchOffsets({ groupId: group, topics: [topic] });
      return offsets[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    };

    const failed: EventEnvelope[][] = [];
    await first.subscribeBatch!({
      group,
      topics: [topic],
      handler: async (batch) => {
        failed.push(batch);
        throw new Error('write failed');
      },
    });
    await pollUntil(() => failed.length >= 3, { timeoutMs: 30_000, description: 'the merged batch to be retried' });
    // Merged: the failing call carries every partition's events (a retry is the same batch, whole).
    expect(failed[0]).toHaveLength(events.length);
    expect(failed[failed.length - 1]!.map((e) => e.id)).toEqual(failed[0]!.map((e) => e.id));
    expect(await committed()).toBe(0);
    await first.close();
    expect(await committed()).toBe(0); // stopping while it fails commits nothing either

    // Redelivery: the next member of the group gets every event again, one key's in order, and commits them all.
    const handled: EventEnvelope[] = [];
    let calls = 0;
    second = new KafkaEventBus({ ...options, clientId: 'batch-merge-spec-2' });
    await second.subscribeBatch!({
      group,
      topics: [topic],
      handler: async (batch) => {
        calls++;
        handled.push(...batch);
      },
    });
    await pollUntil(async () => (await committed()) === events.length, { timeoutMs: 30_000, description: 'everything committed once handled' });
    expect(new Set(handled.map((e) => e.id)).size).toBe(events.length);
    expect(calls).toBeLessThan(partitionsWithData); // partitions were merged into fewer calls
    for (let k = 0; k < 12; k++) expect(handled.filter((e) => e.key === `cs_${k}`).map(seqOf)).toEqual([0, 1, 2]);
  } finally {
    await admin.disconnect();
    await first.close();
    await second?.close();
  }
});


describe('BatchCoalescer', () => {
  test('merges parts submitted together into one run, in order, never above maxItems (a part is not split)', async () => {
    const runs: Array<{ items: number[]; metas: string[] }> = [];
    const c = new BatchCoalescer<number, string>({ maxItems: 5, lingerMs: 10 }, async (items, metas) => {
      runs.push({ items, metas });
    });
    await Promise.all([c.submit([1, 2], 'a'), c.submit([3], 'b'), c.submit([4, 5, 6], 'c'), c.submit([7, 8, 9, 10, 11, 12], 'd')]);
    expect(runs).toEqual([
      { items: [1, 2, 3], metas: ['a', 'b'] },
      { items: [4, 5, 6], metas: ['c'] },
      { items: [7, 8, 9, 10, 11, 12], metas: ['d'] },
    ]);
  });

  test('parts arriving while a run is in flight go into the next run; a failed run rejects every part it carried', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const runs: string[][] = [];
    const c = new BatchCoalescer<number, string>({ maxItems: 100, lingerMs: 0 }, async (_items, metas) => {
      runs.push(metas);
      if (runs.length === 1) await gate;
      if (metas.includes('bad')) throw new Error('write failed');
    });
    const first = c.submit([1], 'first');
    const during = [c.submit([2], 'x'), c.submit([3], 'bad')];
    release();
    await expect(first).resolves.toBeUndefined();
    const results = await Promise.allSettled(during);
    expect(runs).toEqual([['first'], ['x', 'bad']]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});

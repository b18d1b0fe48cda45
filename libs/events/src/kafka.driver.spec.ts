import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { buildEventEnvelope, type EventEnvelope } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { KafkaEventBus } from './kafka.driver';
import { namespacedBus } from './namespaced.bus';

const brokers = () => (process.env.KAFKA_BROKERS as string).split(',');
const logger = pino({ level: process.env.LOG_LEVEL ?? 'silent' });
// Topics and groups are unique per test: spec files share one broker and run in parallel.
const unique = (what: string) => `spec.${what}.${randomUUID()}`;
const event = (key: string, seq: number, extra: Record<string, unknown> = {}): EventEnvelope =>
  buildEventEnvelope({ type: 'spec.happened', tenantId: 'ten_spec', key, data: { seq, ...extra } });
// The mock broker waits out the session timeout on a rebalance and the full fetch wait before answering.
const FAST_CONSUMER = { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 };
const seqOf = (e: EventEnvelope) => (e.data as { seq: number }).seq;

describe('KafkaEventBus', () => {
  // The mock cluster holds group joins and rebalances for seconds; on a loaded machine two members take a while.
  jest.setTimeout(150_000);
  const buses: KafkaEventBus[] = [];
  const newBus = (opts: Partial<ConstructorParameters<typeof KafkaEventBus>[0]> = {}) => {
    const bus = new KafkaEventBus({ brokers: brokers(), clientId: 'events-spec', logger, consumer: FAST_CONSUMER, pingTimeoutMs: 1_000, ...opts });
    buses.push(bus);
    return bus;
  };
  afterEach(async () => {
    await Promise.all(buses.splice(0).map((b) => b.close()));
  });

  test('a consumer group receives every published event, in order within each key', async () => {
    const topic = unique('topic');
    const bus = newBus();
    const received: EventEnvelope[] = [];
    await bus.subscribe({ group: unique('group'), topics: [topic], handler: async (e) => void received.push(e) });

    const keys = ['cs_a', 'cs_b', 'cs_c'];
    const sent: EventEnvelope[] = [];
    for (let seq = 0; seq < 10; seq++) {
      const batch = keys.map((k) => event(k, seq, { nested: { at: new Date(0).toISOString() } }));
      sent.push(...batch);
      await bus.publish(topic, batch);
    }

    await pollUntil(() => received.length >= sent.length, { timeoutMs: 20_000, description: '30 events' });
    expect(received).toHaveLength(sent.length);
    expect([...received].sort((a, b) => a.id.localeCompare(b.id))).toEqual([...sent].sort((a, b) => a.id.localeCompare(b.id)));
    for (const k of keys) expect(received.filter((e) => e.key === k).map(seqOf)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('two members of one group split the events and handle each exactly once', async () => {
    const topic = unique('topic');
    const group = unique('group');
    const handledBy = new Map<string, string[]>();
    const member = (name: string) => async (e: EventEnvelope) => {
      handledBy.set(e.id, [...(handledBy.get(e.id) ?? []), name]);
    };
    // Two replicas of a service: separate clients, same group.
    const a = newBus();
    const b = newBus();
    await a.subscribe({ group, topics: [topic], handler: member('a') });
    await b.subscribe({ group, topics: [topic], handler: member('b') });

    const sent = Array.from({ length: 40 }, (_, i) => event(`cs_${i}`, 0));
    await a.publish(topic, sent);

    await pollUntil(() => sent.every((e) => handledBy.has(e.id)), { timeoutMs: 30_000, description: 'every event handled' });
    await Promise.all([a.close(), b.close()]); // in-flight work finishes; nothing more can arrive
    expect([...handledBy.values()].filter((by) => by.length !== 1)).toEqual([]);
    const members = new Set([...handledBy.values()].flat());
    expect(members).toEqual(new Set(['a', 'b']));
  });

  test('an event whose handler throws is delivered again, and later events of its key wait for it', async () => {
    const topic = unique('topic');
    const bus = newBus({ handlerRetry: { baseMs: 20, maxMs: 100 } });
    const calls: Array<[number, 'failed' | 'ok']> = [];
    let failuresLeft = 2;
    await bus.subscribe({
      group: unique('group'),
      topics: [topic],
      handler: async (e) => {
        if (seqOf(e) === 1 && failuresLeft-- > 0) {
          calls.push([1, 'failed']);
          throw new Error('downstream unavailable');
        }
        calls.push([seqOf(e), 'ok']);
      },
    });
    await bus.publish(topic, [event('cs_retry', 1), event('cs_retry', 2)]);

    await pollUntil(() => calls.some(([seq, r]) => seq === 2 && r === 'ok'), { timeoutMs: 20_000, description: 'the second event' });
    expect(calls).toEqual([
      [1, 'failed'],
      [1, 'failed'],
      [1, 'ok'],
      [2, 'ok'],
    ]);
  });

  test('a malformed message is skipped and the consumer keeps going', async () => {
    const topic = unique('topic');
    const bus = newBus();
    const received: EventEnvelope[] = [];
    await bus.subscribe({ group: unique('group'), topics: [topic], handler: async (e) => void received.push(e) });

    // Same key, so same partition: the good event sits behind the bad ones.
    const raw = new Kafka({ clientId: 'events-spec-raw', brokers: brokers(), logLevel: logLevel.NOTHING }).producer();
    await raw.connect();
    try {
      await raw.send({ topic, messages: [{ key: 'cs_bad', value: 'not json' }, { key: 'cs_bad', value: JSON.stringify({ id: 'evt_x' }) }, { key: 'cs_bad', value: null }] });
    } finally {
      await raw.disconnect();
    }
    const good = event('cs_bad', 1);
    await bus.publish(topic, [good]);

    await pollUntil(() => received.length > 0, { timeoutMs: 20_000, description: 'the good event' });
    expect(received.map((e) => e.id)).toEqual([good.id]);
  });

  test("consumer lag is the broker's view: it grows while the handler is stuck, per topic and group, and falls to 0 once handled", async () => {
    const topic = unique('topic');
    const idle = unique('topic');
    const bus = newBus();
    const ns = namespacedBus(bus, unique('ns'));
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    let handled = 0;
    // A group per process would be unbounded as a label: it reports under its lagLabel.
    await ns.subscribe({
      group: `routing.${randomUUID()}`,
      lagLabel: 'routing',
      topics: [topic, idle],
      handler: async () => {
        await stuck;
        handled++;
      },
    });
    const lagOf = async (t: string) => (await ns.consumerLag!()).find((l) => l.topic === t);
    expect(await lagOf(idle)).toEqual({ group: 'routing', topic: idle, lag: 0 });

    // One key: one partition, so the first event blocks the other four behind it.
    await ns.publish(topic, [1, 2, 3, 4, 5].map((seq) => event('cs_lag', seq)));
    await pollUntil(async () => ((await lagOf(topic))?.lag ?? 0) >= 5, { timeoutMs: 20_000, description: 'lag of the five unhandled events' });
    expect(await lagOf(topic)).toEqual({ group: 'routing', topic, lag: 5 });

    release();
    await pollUntil(() => handled === 5, { timeoutMs: 20_000, description: 'all five handled' });
    await pollUntil(async () => (await lagOf(topic))?.lag === 0, { timeoutMs: 20_000, description: 'offsets committed' });
    // Only this environment's groups, under plain names.
    expect((await ns.consumerLag!()).map((l) => [l.group, l.topic]).sort()).toEqual([['routing', idle], ['routing', topic]].sort());
  });

  test('ping succeeds against the broker and fails when nothing listens', async () => {
    await expect(newBus().ping()).resolves.toBeUndefined();
    await expect(newBus({ brokers: ['127.0.0.1:1'] }).ping()).rejects.toThrow();
  });

  test('publish after close is refused', async () => {
    const bus = newBus();
    await bus.close();
    await expect(bus.publish(unique('topic'), [event('cs_x', 1)])).rejects.toThrow(/closed/);
  });
});

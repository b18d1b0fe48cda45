import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { buildEventEnvelope, type EventEnvelope } from '@callplane/contracts';
import { pollUntil, startKafkaMock, type KafkaMock } from '@callplane/testing';
import { KafkaEventBus } from './kafka.driver';

// Kafka's ApiKeys and error codes (kafka.apache.org/protocol).
const JOIN_GROUP = 11;
const SYNC_GROUP = 14;
const INVALID_REQUEST = 42; // kafkajs: not retriable

const logLines: Array<{ msg?: string; retry_in_ms?: number }> = [];
const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(JSON.parse(line)) });
const revived = () => logLines.filter((l) => l.msg?.includes('does not retry; starting it again'));

/**
 * kafkajs restarts a consumer itself only after a retriable error; after any other it disconnects the member and
 * leaves it stopped. A cluster of its own: the injected errors would hit the other spec files' groups.
 */
describe('a Kafka consumer that kafkajs stops on a non-retriable error', () => {
  // One topic for the file (the mock creates it at start); each test reads it with a new group, so from its beginning.
  const topic = `spec.crash.${randomUUID()}`;
  let mock: KafkaMock;
  let bus: KafkaEventBus | undefined;

  beforeAll(async () => {
    mock = await startKafkaMock({ brokers: 1, topics: [{ name: topic, partitions: 2 }] });
  });
  afterEach(async () => {
    await bus?.close();
    bus = undefined;
    logLines.length = 0;
  });
  afterAll(async () => {
    await mock?.stop();
  });

  const newBus = (log = logger) =>
    new KafkaEventBus({
      brokers: mock.bootstrap.split(','),
      clientId: 'crash-spec',
      logger: log,
      // Well under the default 60 s: without the restart the member never joins, and this says so quickly.
      joinTimeoutMs: 30_000,
      consumer: { sessionTimeoutMs: 4_000, heartbeatIntervalMs: 500, fetchMaxWaitMs: 100 },
    });
  const events = (n: number): EventEnvelope[] =>
    Array.from({ length: n }, (_, i) => buildEventEnvelope({ type: 'spec.happened', tenantId: 'ten_spec', key: `cs_${i}`, data: { i } }));
  /** Subscribes a new group; returns the ids of the events it has handled so far. */
  const subscribeCollecting = async (on: KafkaEventBus): Promise<Set<string>> => {
    const received = new Set<string>();
    await on.subscribe({ group: `spec.crash.${randomUUID()}`, topics: [topic], handler: async (e) => void received.add(e.id) });
    return received;
  };
  const publishAndAwait = async (on: KafkaEventBus, received: Set<string>, n: number) => {
    const sent = events(n);
    await on.publish(topic, sent);
    await pollUntil(() => sent.every((e) => received.has(e.id)), { timeoutMs: 20_000, description: 'every event' });
  };

  test('is started again, joins and consumes', async () => {
    await mock.failRequests(SYNC_GROUP, INVALID_REQUEST, 1);
    bus = newBus();
    const received = await subscribeCollecting(bus);
    expect(revived()).toHaveLength(1);
    await publishAndAwait(bus, received, 10);
  });

  test('leaves the group before it is started again, so no member that is gone holds up the next rebalance', async () => {
    // The member joins, then its SyncGroup fails: it has a member id in the group when it crashes.
    await mock.failRequests(SYNC_GROUP, INVALID_REQUEST, 1);
    const lines: Array<{ msg?: string }> = [];
    const debug = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    bus = newBus(debug);
    const received = await subscribeCollecting(bus);
    const at = (test: (msg: string) => boolean) => lines.findIndex((l) => test(l.msg ?? ''));
    const crashed = at((m) => m.startsWith('Crash:'));
    const left = at((m) => m.startsWith('Request LeaveGroup'));
    const revived = at((m) => m.includes('does not retry; starting it again'));
    expect(crashed).toBeGreaterThanOrEqual(0);
    // kafkajs' own disconnect on a crash sends no LeaveGroup for a member that never started consuming (patches/kafkajs).
    expect(left).toBeGreaterThan(at((m) => m.startsWith('Response SyncGroup')));
    expect(left).toBeLessThan(revived);
    await publishAndAwait(bus, received, 4);
  });

  test('keeps trying, each time after a longer wait, until the member joins', async () => {
    await mock.failRequests(JOIN_GROUP, INVALID_REQUEST, 3);
    bus = newBus();
    const received = await subscribeCollecting(bus);
    const waits = revived().map((l) => l.retry_in_ms as number);
    expect(waits).toHaveLength(3);
    // Backoff doubles its ceiling per attempt and waits between half the ceiling and the ceiling: 1 s, 2 s, 4 s.
    expect(waits[0]).toBeGreaterThanOrEqual(500);
    expect(waits[0]).toBeLessThanOrEqual(1_000);
    expect(waits[2]).toBeGreaterThanOrEqual(2_000);
    await publishAndAwait(bus, received, 4);
  });

  test('close() while it waits to start again ends it', async () => {
    await mock.failRequests(SYNC_GROUP, INVALID_REQUEST, 1);
    bus = newBus();
    const subscribed = bus.subscribe({ group: `spec.crash.${randomUUID()}`, topics: [topic], handler: async () => undefined });
    await pollUntil(() => revived().length === 1, { timeoutMs: 20_000, description: 'the crash' });
    await bus.close();
    // The member never joined: subscribe() fails rather than report a consumer that is not there.
    await expect(subscribed).rejects.toThrow(/did not join|closed/);
  });
});

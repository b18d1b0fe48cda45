import { Kafka, logLevel } from 'kafkajs';
import { randomUUID } from 'node:crypto';
import { ALL_TOPICS } from '@callplane/contracts';
import { startKafkaMock, type KafkaMock } from './kafka-mock';

// The testing lib may print; kafkajs stays quiet here, failures surface through assertions.
const client = (bootstrap: string, retries = 5) =>
  new Kafka({ clientId: 'kafka-mock-spec', brokers: bootstrap.split(','), logLevel: logLevel.NOTHING, connectionTimeout: 1_000, retry: { retries, initialRetryTime: 100 } });

describe('startKafkaMock', () => {
  let mock: KafkaMock | undefined;
  afterEach(async () => {
    await mock?.stop();
    mock = undefined;
  });

  test('creates the requested brokers and topics', async () => {
    const topic = `mock.spec.${randomUUID()}`;
    mock = await startKafkaMock({ brokers: 2, topics: [{ name: topic, partitions: 3 }] });
    expect(mock.bootstrap.split(',')).toHaveLength(2);
    const admin = client(mock.bootstrap).admin();
    await admin.connect();
    try {
      const { brokers } = await admin.describeCluster();
      expect(brokers.map((b) => b.nodeId).sort()).toEqual([1, 2]);
      const md = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(md.topics[0]?.partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });

  test('creates every contracts topic with 6 partitions by default', async () => {
    mock = await startKafkaMock();
    const admin = client(mock.bootstrap).admin();
    await admin.connect();
    try {
      const md = await admin.fetchTopicMetadata({ topics: [...ALL_TOPICS] });
      expect(md.topics.map((t) => [t.name, t.partitions.length]).sort()).toEqual(ALL_TOPICS.map((t) => [t, 6]).sort());
    } finally {
      await admin.disconnect();
    }
  });

  test('a broker set down refuses clients until it is set up again', async () => {
    const topic = `mock.spec.${randomUUID()}`;
    mock = await startKafkaMock({ brokers: 1, topics: [{ name: topic, partitions: 1 }] });
    await mock.setBrokerDown(1);
    const down = client(mock.bootstrap, 0).producer();
    await expect(down.connect()).rejects.toThrow();
    await mock.setBrokerUp(1);
    const up = client(mock.bootstrap).producer();
    await up.connect();
    try {
      const [res] = await up.send({ topic, messages: [{ key: 'k', value: 'v' }] });
      expect(res?.errorCode).toBe(0);
    } finally {
      await up.disconnect();
    }
  });

  test('rejects an unknown broker id', async () => {
    mock = await startKafkaMock({ brokers: 1, topics: [] });
    await expect(mock.setBrokerDown(7)).rejects.toThrow(/down 7/);
  });

  test('stop() ends the broker process', async () => {
    const m = await startKafkaMock({ brokers: 1, topics: [] });
    await m.stop();
    await expect(client(m.bootstrap, 0).producer().connect()).rejects.toThrow();
    await expect(m.setBrokerDown(1)).rejects.toThrow(/not running/);
  });
});

import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import { startKafkaMock, type KafkaMock } from '@callplane/testing';

/**
 * kafkajs 2.2.4's request queue rescheduled a check of its pending requests after every check, even with none
 * pending, on a timer of `throttledUntil - now` (negative, so 1 ms): every broker connection ran a timer a thousand
 * times a second forever, about 45 ms of CPU per second for an idle dialer (tulios/kafkajs#1556, #1704; fix proposed
 * in #1667, not released). `patches/kafkajs+2.2.4.patch` (applied by patch-package at install) schedules a check only
 * while a request waits. These specs fail without it.
 */
// The package's own module: not in its typings, so typed here as far as these specs use it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (opts: object) => {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  push(req: { entry: { correlationId: number; resolve(): void; reject(): void }; expectResponse: boolean; sendRequest(): void }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
};

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const newQueue = () => new RequestQueue({ maxInFlightRequests: 1, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'b:9092', logger: quiet });

describe('kafkajs request queue (patched)', () => {
  it('schedules no check of its pending requests when none is pending', () => {
    const queue = newQueue();
    queue.checkPendingRequests();
    expect(queue.throttleCheckTimeoutId).toBeNull();
    queue.destroy();
  });

  it('still checks, and sends, a request that waits behind a client-side throttle', () => {
    jest.useFakeTimers();
    try {
      const queue = newQueue();
      const sent: number[] = [];
      queue.maybeThrottle(50);
      queue.push({ entry: { correlationId: 1, resolve() {}, reject() {} }, expectResponse: false, sendRequest: () => sent.push(1) });
      expect(sent).toEqual([]);
      expect(queue.throttleCheckTimeoutId).not.toBeNull();
      jest.advanceTimersByTime(60);
      expect(sent).toEqual([1]);
      expect(queue.pending).toHaveLength(0);
      expect(queue.throttleCheckTimeoutId).toBeNull();
      queue.destroy();
    } finally {
      jest.useRealTimers();
    }
  });

  describe('an idle consumer on a real broker', () => {
    const topic = `spec.idle.${randomUUID()}`;
    let mock: KafkaMock;
    beforeAll(async () => {
      mock = await startKafkaMock({ brokers: 1, topics: [{ name: topic, partitions: 1 }] });
    });
    afterAll(async () => {
      await mock?.stop();
    });

    it('checks its queues about once per response, not on a timer between fetches', async () => {
      const kafka = new Kafka({ clientId: 'spec-idle', brokers: [mock.bootstrap], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: `spec-idle-${randomUUID()}`, maxWaitTimeInMs: 200 });
      const proto = RequestQueue.prototype as { checkPendingRequests(): void };
      const original = proto.checkPendingRequests;
      let checks = 0;
      let fetches = 0;
      proto.checkPendingRequests = function (this: unknown) {
        checks++;
        return original.call(this);
      };
      try {
        await consumer.connect();
        await consumer.subscribe({ topic });
        const tenFetches = new Promise<void>((resolve) => {
          consumer.on(consumer.events.FETCH, () => {
            if (++fetches === 1) checks = 0; // counted from the first fetch on: the group's join is not idle time
            if (fetches === 11) resolve();
          });
        });
        await consumer.run({ eachMessage: async () => {} });
        await tenFetches;
        // Each empty fetch waits up to 200 ms at the broker. Unpatched, every connection's timer checked its queue
        // every millisecond meanwhile (hundreds per fetch); patched, a check follows a response or a heartbeat.
        expect(checks / 10).toBeLessThan(10);
      } finally {
        proto.checkPendingRequests = original;
        await consumer.disconnect();
      }
    });
  });
});

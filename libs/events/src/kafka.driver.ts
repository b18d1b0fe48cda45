import { Kafka, Partitioners, type Admin, type Consumer, type EachBatchPayload, type EachMessagePayload, type Producer } from 'kafkajs';
import pino, { type Logger } from 'pino';
import type { EventEnvelope } from '@callplane/contracts';
import { backoffDelay, Sleeper, type BackoffOptions } from './backoff';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec';
import { BatchCoalescer, DEFAULT_MAX_BATCH_SIZE } from './batch';
import type { BatchSubscription, ConsumerLag, EventBus, Subscription } from './event-bus';
import { kafkaLogCreator, kafkaLogLevel } from './kafka-log.adapter';

/** Between attempts to start again a member that kafkajs stopped for good. */
const CONSUMER_REVIVE_BACKOFF: BackoffOptions = { baseMs: 1_000, maxMs: 30_000 };

export interface KafkaEventBusOptions {
  brokers: string[];
  clientId: string;
  /**
   * Idempotent producer (no duplicates from producer retries). Production turns it on; librdkafka's mock
   * cluster has no controller, so InitProducerId fails there and tests leave it off.
   */
  idempotent?: boolean;
  logger?: Logger;
  /** Retries of one publish before it fails (the outbox relay then retries the rows later). Default: about 30 s of trying. */
  publishRetry?: { retries?: number; initialRetryTime?: number; maxRetryTime?: number };
  /** Backoff between redeliveries of an event whose handler threw. */
  handlerRetry?: BackoffOptions;
  /** How long subscribe() waits for the first group join before failing. Default 60 s. */
  joinTimeoutMs?: number;
  /** ping() fails after this long. Default 5 s. */
  pingTimeoutMs?: number;
  consumer?: {
    /** Default 30 s. librdkafka's mock cluster holds a rebalance for (session timeout − 1 s), so tests lower it. */
    sessionTimeoutMs?: number;
    /** Default 3 s; must stay well under the session timeout. */
    heartbeatIntervalMs?: number;
    /** Longest a fetch waits for data. Default 5 s; the mock does not answer early when data arrives, so tests lower it. */
    fetchMaxWaitMs?: number;
    /**
     * Fetched partition batches a batch consumer takes at once (kafkajs workers); the batches taken together are
     * merged into shared handler calls. Default 64: every partition of a typical assignment.
     */
    partitionsConsumedConcurrently?: number;
    /** How long a batch consumer waits for more partitions' batches before it starts a handler call. Default 5 ms. */
    batchLingerMs?: number;
    /**
     * Merged handler calls (transactions) a batch consumer runs at once, each with other partitions (a partition
     * is in one call at a time). Default 2: one call's database round trips overlap the other's work.
     */
    batchConcurrency?: number;
  };
}

/** EventBus on Kafka through kafkajs: one producer per process, one consumer (group member) per subscription. */
export class KafkaEventBus implements EventBus {
  private readonly kafka: Kafka;
  private readonly probeClient: Kafka;
  private readonly producer: Producer;
  private readonly logger: Logger;
  private readonly consumers: Consumer[] = [];
  /** The groups this process has joined, by group id: what `consumerLag` asks the broker about. */
  private readonly joined = new Map<string, { topics: string[]; label: string; fromBeginning: boolean }>();
  private readonly sleeper = new Sleeper();
  private producerConnected?: Promise<void>;
  private admin?: Promise<Admin>;
  private closing = false;
  private closedNow!: () => void;
  /** Settles when close() starts: a subscribe() still waiting for its group gives up then. */
  private readonly closed = new Promise<void>((resolve) => (this.closedNow = resolve));

  constructor(private readonly opts: KafkaEventBusOptions) {
    this.logger = (opts.logger ?? pino({ name: 'events' })).child({ component: 'kafka-event-bus' });
    // One kafkajs client per role, each logging with its role so an outage's log lines say who was affected.
    const client = (role: 'producer' | 'consumer' | 'probe') => {
      const logger = this.logger.child({ kafka_client: role });
      return { clientId: opts.clientId, brokers: opts.brokers, connectionTimeout: 3_000, logLevel: kafkaLogLevel(logger), logCreator: kafkaLogCreator(logger) };
    };
    this.kafka = new Kafka(client('consumer'));
    // Readiness answers now or fails: no connection retries (which would also keep close() waiting on a dead broker).
    this.probeClient = new Kafka({ ...client('probe'), retry: { retries: 0 } });
    // kafkajs takes connection and metadata retries from the client, send retries from the producer: one budget for both.
    // It rides out a broker that is down for a few seconds (a restart, a leader move) without failing the publish.
    const publishRetry = { retries: 8, initialRetryTime: 300, maxRetryTime: 5_000, ...opts.publishRetry };
    const idempotent = opts.idempotent ?? false;
    this.producer = new Kafka({ ...client('producer'), retry: publishRetry }).producer({
      idempotent,
      // Idempotence needs one in-flight request per connection to keep its sequence numbers, and so does per-key order under retries.
      maxInFlightRequests: idempotent ? 1 : undefined,
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: publishRetry,
    });
  }

  async publish(topic: string, events: EventEnvelope[]): Promise<void> {
    if (this.closing) throw new Error('KafkaEventBus is closed');
    if (events.length === 0) return;
    await this.connectProducer();
    await this.producer.send({
      topic,
      acks: -1, // all in-sync replicas: the relay marks rows published only after this resolves
      messages: events.map((e) => ({
        key: e.key,
        value: encodeEnvelope(e),
        headers: { 'event-type': e.type, 'event-id': e.id },
      })),
    });
  }

  async subscribe(sub: Subscription): Promise<void> {
    const logger = this.logger.child({ group: sub.group });
    await this.startConsumer(sub, (consumer) => consumer.run({ eachMessage: (payload) => this.deliver(sub, logger, payload) }));
  }

  /**
   * Batch consumer: kafkajs hands over what one fetch returned for one partition, for many partitions at once
   * (`partitionsConsumedConcurrently`). Those partition batches are cut into chunks of at most `maxBatchSize`
   * and merged, across partitions, into handler calls of at most `maxBatchSize` events (`BatchCoalescer`:
   * what arrives while a handler call runs, or within `batchLingerMs` of the first when idle, goes into the
   * next call). Each partition's chunks run in order and one at a time (its next chunk, and its next fetch,
   * only after the previous one's call resolved), so one key's events stay in order. Offsets of every merged
   * partition are resolved and committed only once the handler call resolved; if it fails it is retried whole,
   * and if this member stops or loses the group meanwhile, none of the merged partitions' offsets move.
   */
  async subscribeBatch(sub: BatchSubscription): Promise<void> {
    const logger = this.logger.child({ group: sub.group });
    const max = sub.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
    const coalescer = new BatchCoalescer<EventEnvelope, BatchPart>({ maxItems: max, lingerMs: this.opts.consumer?.batchLingerMs ?? 5, concurrency: this.opts.consumer?.batchConcurrency ?? 2 }, (events, parts) =>
      this.runMergedBatch(sub, logger, events, parts),
    );
    await this.startConsumer(sub, (consumer) =>
      consumer.run({
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: this.opts.consumer?.partitionsConsumedConcurrently ?? 64,
        eachBatch: (payload) => this.deliverBatch(logger, payload, max, coalescer),
      }),
    );
  }

  private async startConsumer(sub: { group: string; topics: readonly string[]; fromBeginning?: boolean; lagLabel?: string }, run: (consumer: Consumer) => Promise<void>): Promise<void> {
    if (this.closing) throw new Error('KafkaEventBus is closed');
    const logger = this.logger.child({ group: sub.group });
    const consumer = this.kafka.consumer({
      groupId: sub.group,
      sessionTimeout: this.opts.consumer?.sessionTimeoutMs,
      heartbeatInterval: this.opts.consumer?.heartbeatIntervalMs,
      maxWaitTimeInMs: this.opts.consumer?.fetchMaxWaitMs,
      // A crash on a retriable error (say, the coordinator went away) restarts the member inside kafkajs.
      retry: {
        restartOnFailure: async (err) => {
          logger.error({ err }, 'Kafka consumer crashed; restarting');
          return !this.closing;
        },
      },
    });
    this.consumers.push(consumer);
    // Any other crash (a protocol error kafkajs does not call retriable) stops the member for good inside kafkajs,
    // and the service would go on looking healthy while consuming nothing. Such a member is started again here,
    // with backoff, until it joins; only close() (or a failed start below) ends it.
    let stoppedOnError = 0;
    let abandoned = false;
    let joinedNow!: () => void;
    const joined = new Promise<void>((resolve) => (joinedNow = resolve));
    consumer.on(consumer.events.GROUP_JOIN, () => {
      stoppedOnError = 0;
      joinedNow();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.closing || abandoned) return;
      const delay = backoffDelay(stoppedOnError++, CONSUMER_REVIVE_BACKOFF);
      logger.error({ err: payload.error, retry_in_ms: Math.round(delay) }, 'Kafka consumer stopped on an error kafkajs does not retry; starting it again');
      void this.sleeper.sleep(delay).then(async () => {
        if (this.closing || abandoned) return;
        // run() reports a failed start through CRASH again, which lands here with a longer delay.
        await consumer.connect().then(() => run(consumer)).catch((err: unknown) => logger.error({ err }, 'Kafka consumer could not be started again'));
      });
    });
    try {
      await consumer.connect();
      // A new group starts from the beginning unless told otherwise: events published before the service first started are not skipped.
      await consumer.subscribe({ topics: [...sub.topics], fromBeginning: sub.fromBeginning ?? true });
      await run(consumer);
      await withTimeout(Promise.race([joined, this.closed.then(() => Promise.reject(new Error('KafkaEventBus closed')))]), this.opts.joinTimeoutMs ?? 60_000, `consumer group ${sub.group} did not join`);
      this.joined.set(sub.group, { topics: [...sub.topics], label: sub.lagLabel ?? sub.group, fromBeginning: sub.fromBeginning ?? true });
    } catch (err) {
      // A member that failed to start must not linger and join later behind the caller's back.
      abandoned = true;
      this.consumers.splice(this.consumers.indexOf(consumer), 1);
      await consumer.disconnect().catch(() => undefined);
      throw err;
    }
  }

  async ping(): Promise<void> {
    if (this.closing) throw new Error('KafkaEventBus is closed');
    await withTimeout(
      (async () => {
        const admin = await this.connectAdmin();
        await admin.describeCluster();
      })(),
      this.opts.pingTimeoutMs ?? 5_000,
      'Kafka did not answer',
    );
  }

  /**
   * The broker's view, asked at scrape time: each joined group's committed offsets against every partition's log end,
   * summed per topic. So the figure keeps growing while a member is stuck (a handler failing over and over), and
   * every member of a group reports the same one. A partition the group has committed nothing on counts from its log
   * start for a group that reads from the beginning, and as 0 for one that reads from the end.
   */
  async consumerLag(): Promise<ConsumerLag[]> {
    if (this.closing || this.joined.size === 0) return [];
    return withTimeout(
      (async () => {
        const admin = await this.connectAdmin();
        // The probe's admin does not retry, and a retry is what would load the brokers a group coordinator lookup needs.
        await admin.fetchTopicMetadata({ topics: [...new Set([...this.joined.values()].flatMap((g) => g.topics))] });
        const ends = new Map<string, ReturnType<Admin['fetchTopicOffsets']>>();
        const endsOf = (topic: string) => {
          if (!ends.has(topic)) ends.set(topic, admin.fetchTopicOffsets(topic));
          return ends.get(topic)!;
        };
        const out: ConsumerLag[] = [];
        for (const [groupId, group] of this.joined) {
          for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics: group.topics })) {
            const committed = new Map(partitions.map((p) => [p.partition, BigInt(p.offset)]));
            let lag = 0n;
            for (const p of await endsOf(topic)) {
              const at = committed.get(p.partition) ?? -1n;
              const from = at >= 0n ? at : group.fromBeginning ? BigInt(p.low) : BigInt(p.high);
              if (BigInt(p.high) > from) lag += BigInt(p.high) - from;
            }
            out.push({ group: group.label, topic, lag: Number(lag) });
          }
        }
        return out;
      })(),
      this.opts.pingTimeoutMs ?? 5_000,
      'Kafka did not report consumer offsets',
    );
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.closedNow();
    this.sleeper.wake(); // handlers waiting to retry give up their message (uncommitted) instead of holding close()
    // disconnect() waits for the in-flight eachMessage, commits what was handled and leaves the group.
    await Promise.allSettled(this.consumers.map((c) => c.disconnect()));
    await Promise.allSettled([this.producer.disconnect(), this.admin?.then((a) => a.disconnect())]);
  }

  /**
   * One message, handled until it succeeds. The offset is resolved only when this returns, so an event whose
   * handler keeps failing is retried here with backoff (blocking its partition, which keeps per-key order)
   * and, if this member stops or loses the partition meanwhile, redelivered to whoever owns it next.
   */
  private async deliver(sub: Subscription, logger: Logger, { topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const decoded = decodeEnvelope(message.value);
    if (!decoded.ok) {
      logger.error({ topic, partition, offset: message.offset, reason: decoded.reason }, 'Skipping malformed event');
      return;
    }
    const event = decoded.event;
    for (let attempt = 0; ; attempt++) {
      try {
        await sub.handler(event);
        return;
      } catch (err) {
        logger.error({ err, topic, partition, offset: message.offset, event_id: event.id, event_type: event.type, attempt }, 'Event handler failed; will redeliver');
        if (this.closing) throw err;
        await this.sleeper.sleep(backoffDelay(attempt, { baseMs: 200, maxMs: 10_000, ...this.opts.handlerRetry }));
        if (this.closing) throw err;
        // Throws when the group is rebalancing: kafkajs rejoins and the partition's new owner gets this message.
        await heartbeat();
      }
    }
  }

  private async deliverBatch(logger: Logger, payload: EachBatchPayload, max: number, coalescer: BatchCoalescer<EventEnvelope, BatchPart>): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const { topic, partition } = batch;
    let chunk: EventEnvelope[] = [];
    let chunkLastOffset: string | undefined;
    const flush = async () => {
      if (chunkLastOffset === undefined) return;
      const part: BatchPart = { topic, partition, lastOffset: chunkLastOffset, resolveOffset, heartbeat, commitOffsetsIfNecessary };
      const events = chunk;
      chunk = [];
      chunkLastOffset = undefined;
      // Resolves once the merged handler call that carried this chunk resolved and its offsets were committed.
      await coalescer.submit(events, part);
    };
    for (const message of batch.messages) {
      // Stopping or lost the partition: leave the rest unresolved for whoever consumes it next.
      if (!isRunning() || isStale()) return;
      const decoded = decodeEnvelope(message.value);
      if (decoded.ok) chunk.push(decoded.event);
      else logger.error({ topic, partition, offset: message.offset, reason: decoded.reason }, 'Skipping malformed event');
      chunkLastOffset = message.offset;
      if (chunk.length >= max) await flush();
    }
    if (isRunning() && !isStale()) await flush();
  }

  /** One merged batch: handled until it succeeds, then every part's offset resolved and all committed in one request. */
  private async runMergedBatch(sub: BatchSubscription, logger: Logger, events: EventEnvelope[], parts: BatchPart[]): Promise<void> {
    if (events.length > 0) await this.handleBatchUntilDone(sub, logger, events, parts);
    const offsets = new Map<string, { topic: string; partition: number; offset: string }>();
    for (const p of parts) {
      p.resolveOffset(p.lastOffset);
      // Parts are in submission order: a partition's later chunk carries its later offset.
      offsets.set(`${p.topic}|${p.partition}`, { topic: p.topic, partition: p.partition, offset: (BigInt(p.lastOffset) + 1n).toString() });
    }
    const topics = new Map<string, Array<{ partition: number; offset: string }>>();
    for (const o of offsets.values()) topics.set(o.topic, [...(topics.get(o.topic) ?? []), { partition: o.partition, offset: o.offset }]);
    // Commit now rather than when kafkajs next commits: a later batch that keeps failing must not hold back this one's commit.
    await parts[0]!.commitOffsetsIfNecessary({ topics: [...topics].map(([topic, partitions]) => ({ topic, partitions })) });
  }

  private async handleBatchUntilDone(sub: BatchSubscription, logger: Logger, events: EventEnvelope[], parts: BatchPart[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await sub.handler(events);
        return;
      } catch (err) {
        const at = parts.map((p) => `${p.topic}[${p.partition}]@${p.lastOffset}`);
        logger.error({ err, at, events: events.length, first_event_id: events[0]?.id, attempt }, 'Batch handler failed; will redeliver');
        if (this.closing) throw err;
        await this.sleeper.sleep(backoffDelay(attempt, { baseMs: 200, maxMs: 10_000, ...this.opts.handlerRetry }));
        if (this.closing) throw err;
        // Throws when the group is rebalancing: every merged part fails, nothing is committed, the new owners get them again.
        await parts[0]!.heartbeat();
      }
    }
  }

  private connectProducer(): Promise<void> {
    this.producerConnected ??= this.producer.connect().catch((err: unknown) => {
      this.producerConnected = undefined; // the next publish tries again
      throw err;
    });
    return this.producerConnected;
  }

  private connectAdmin(): Promise<Admin> {
    this.admin ??= (async () => {
      const admin = this.probeClient.admin({ retry: { retries: 0 } });
      await admin.connect();
      return admin;
    })().catch((err: unknown) => {
      this.admin = undefined;
      throw err;
    });
    return this.admin;
  }
}

/** One partition's chunk inside a merged batch, with what is needed to resolve and commit its offset. */
interface BatchPart {
  topic: string;
  partition: number;
  lastOffset: string;
  resolveOffset: EachBatchPayload['resolveOffset'];
  heartbeat: EachBatchPayload['heartbeat'];
  commitOffsetsIfNecessary: EachBatchPayload['commitOffsetsIfNecessary'];
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

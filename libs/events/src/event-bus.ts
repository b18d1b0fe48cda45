import type { EventEnvelope } from '@callplane/contracts';

/** Handles one event. Throwing means "not done": the bus delivers the same event again later, never drops it. */
export interface EventHandler {
  (event: EventEnvelope): Promise<void>;
}

/** A consumer group: each event on `topics` is handled by one member of `group`; events with the same key are handled in order. */
export interface Subscription {
  group: string;
  topics: readonly string[];
  handler: EventHandler;
  /**
   * Where a group with no committed position starts. Default true: a new durable group (analytics) must
   * not skip what was published before it first started. Per-process groups that only invalidate caches
   * start at the end (false), so a restart does not replay history.
   */
  fromBeginning?: boolean;
  /**
   * The name the consumer-lag metric reports this group under, when `group` itself is not a bounded name (a group
   * per process, named with a random id). Default: `group`.
   */
  lagLabel?: string;
}

/** Handles a batch of events. Throwing means "none of these is done": the whole batch is delivered again. */
export interface BatchHandler {
  (events: EventEnvelope[]): Promise<void>;
}

/**
 * Like `Subscription`, for consumers that write many events in one transaction. A batch holds events of the
 * group's queue (in-process) or of one or more topic-partitions (Kafka merges the partitions fetched together:
 * each partition's events contiguous and in order); within it, one key's events keep their order, and a key's
 * later events never reach the handler before the call carrying its earlier ones resolved. Offsets (of every
 * partition in the batch) are committed only after the handler resolves.
 */
export interface BatchSubscription {
  group: string;
  topics: readonly string[];
  handler: BatchHandler;
  fromBeginning?: boolean;
  /** Most events handed to one handler call. Default 500. */
  maxBatchSize?: number;
  /** As `Subscription.lagLabel`. */
  lagLabel?: string;
}

/** How far one of this process's consumer groups is behind on one topic: events published and not yet handled. */
export interface ConsumerLag {
  /** The group's name (its `lagLabel` when it has one). */
  group: string;
  topic: string;
  /** Events the group has still to handle on the topic (for Kafka: the log end less the committed offset, over its partitions). */
  lag: number;
}

/**
 * The one door to the event backbone (STYLE.md #4): Kafka in distributed mode, in-memory queues in the
 * all-in-one. Business code publishes through the outbox and subscribes through this interface only.
 */
export interface EventBus {
  /** Used by the outbox relay; resolves only once the bus has accepted every event (broker ack for Kafka). */
  publish(topic: string, events: EventEnvelope[]): Promise<void>;
  /** Joins `sub.group`; resolves once the member is consuming. */
  subscribe(sub: Subscription): Promise<void>;
  /**
   * Joins `sub.group` as a batch consumer. Optional: drivers without it are used through
   * `subscribeBatched`, which falls back to batches of one.
   */
  subscribeBatch?(sub: BatchSubscription): Promise<void>;
  /**
   * The lag of every group this process has joined, per topic, for the `/metrics` gauge. Optional: a bus without it
   * reports none. Throws when the bus cannot tell right now (the broker unreachable).
   */
  consumerLag?(): Promise<ConsumerLag[]>;
  /** Readiness: throws when the bus is unreachable. */
  ping(): Promise<void>;
  /** Stops consumers (letting in-flight handlers finish), flushes and disconnects. */
  close(): Promise<void>;
}

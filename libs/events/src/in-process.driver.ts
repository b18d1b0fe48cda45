import pino, { type Logger } from 'pino';
import type { EventEnvelope } from '@callplane/contracts';
import { backoffDelay, Sleeper, type BackoffOptions } from './backoff';
import { decodeEnvelope, encodeEnvelope } from './envelope-codec';
import { DEFAULT_MAX_BATCH_SIZE } from './batch';
import type { BatchHandler, BatchSubscription, ConsumerLag, EventBus, EventHandler, Subscription } from './event-bus';

export interface InProcessEventBusOptions {
  logger?: Logger;
  /** Backoff between redeliveries of an event whose handler threw. */
  handlerRetry?: BackoffOptions;
}

/** An event waiting for a group, with the topic it came on (what the group's lag is counted by). */
interface Queued {
  topic: string;
  event: EventEnvelope;
}

/** Events of one key waiting for one group, handled strictly one after another (Kafka's partition order, per key). */
interface Lane {
  queue: Queued[];
  running: boolean;
}

interface Group {
  name: string;
  /** The name its lag is reported under (`lagLabel`, else `name`). */
  label: string;
  topics: Set<string>;
  members: EventHandler[];
  lanes: Map<string, Lane>;
  /** Set for a batch group: one queue for the group, drained in order, up to `max` events per handler call. */
  batch?: { members: BatchHandler[]; queue: Queued[]; running: boolean; max: number; turn: number };
}

/**
 * EventBus for the all-in-one: the same contract as Kafka, in memory. Each group gets every event once,
 * handled by one of its members; one key's events are handled in publish order; a failing handler is
 * retried with backoff and the event kept for as long as the process lives (nothing survives a restart —
 * the outbox rows in the database are what make that acceptable).
 */
export class InProcessEventBus implements EventBus {
  private readonly logger: Logger;
  private readonly groups = new Map<string, Group>();
  /** Events for topics no group has subscribed to yet, handed to the first group that does (the composition root may start the relay first). */
  private readonly backlog = new Map<string, EventEnvelope[]>();
  private readonly sleeper = new Sleeper();
  private readonly running = new Set<Promise<void>>();
  private idleWaiters: Array<() => void> = [];
  private pending = 0;
  private closing = false;

  constructor(private readonly opts: InProcessEventBusOptions = {}) {
    this.logger = (opts.logger ?? pino({ name: 'events' })).child({ component: 'in-process-event-bus' });
  }

  async publish(topic: string, events: EventEnvelope[]): Promise<void> {
    if (this.closing) throw new Error('InProcessEventBus is closed');
    // Through the wire format, like Kafka: handlers get their own copy, with exactly what JSON carries.
    const copies = events.map((e) => encodeEnvelope(e));
    const groups = [...this.groups.values()].filter((g) => g.topics.has(topic));
    for (const raw of copies) {
      const decoded = decodeEnvelope(raw);
      if (!decoded.ok) {
        this.logger.error({ topic, reason: decoded.reason }, 'Skipping malformed event');
        continue;
      }
      if (groups.length === 0) {
        const held = this.backlog.get(topic) ?? [];
        held.push(decoded.event);
        this.backlog.set(topic, held);
        continue;
      }
      for (const g of groups) this.enqueue(g, { topic, event: groups.length > 1 ? structuredClone(decoded.event) : decoded.event });
    }
  }

  async subscribe(sub: Subscription): Promise<void> {
    const group = this.joinGroup(sub.group, false, sub.lagLabel);
    group.members.push(sub.handler);
    this.addTopics(group, sub.topics);
  }

  /** A batch group drains one queue for the whole group in publish order (so one key's events stay in order), a batch per handler call. */
  async subscribeBatch(sub: BatchSubscription): Promise<void> {
    const group = this.joinGroup(sub.group, true, sub.lagLabel);
    group.batch ??= { members: [], queue: [], running: false, max: sub.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE, turn: 0 };
    group.batch.members.push(sub.handler);
    this.addTopics(group, sub.topics);
  }

  private joinGroup(name: string, batch: boolean, lagLabel: string | undefined): Group {
    if (this.closing) throw new Error('InProcessEventBus is closed');
    let group = this.groups.get(name);
    if (!group) {
      group = { name, label: lagLabel ?? name, topics: new Set(), members: [], lanes: new Map() };
      this.groups.set(name, group);
    }
    if (batch ? group.members.length > 0 : group.batch) throw new Error(`group ${name} mixes batch and per-event members`);
    return group;
  }

  private addTopics(group: Group, topics: readonly string[]): void {
    for (const topic of topics) {
      group.topics.add(topic);
      const held = this.backlog.get(topic);
      this.backlog.delete(topic);
      for (const event of held ?? []) this.enqueue(group, { topic, event });
    }
  }

  async ping(): Promise<void> {
    if (this.closing) throw new Error('InProcessEventBus is closed');
  }

  /** Per group and topic, the events queued for it and not yet handled (the one in a handler included); 0 when idle. */
  async consumerLag(): Promise<ConsumerLag[]> {
    const out: ConsumerLag[] = [];
    for (const group of this.groups.values()) {
      const lag = new Map([...group.topics].map((t) => [t, 0]));
      const queues = group.batch ? [group.batch.queue] : [...group.lanes.values()].map((l) => l.queue);
      for (const q of queues) for (const { topic } of q) lag.set(topic, (lag.get(topic) ?? 0) + 1);
      for (const [topic, n] of lag) out.push({ group: group.label, topic, lag: n });
    }
    return out;
  }

  /** Resolves once every delivered event has been handled, or the bus is closed (for tests and shutdown). A handler that keeps failing keeps it waiting. */
  drain(): Promise<void> {
    if (this.pending === 0 || this.closing) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.sleeper.wake();
    await Promise.allSettled([...this.running]);
    if (this.pending > 0) this.logger.warn({ dropped: this.pending }, 'Closed with events still queued');
    this.releaseIdleWaiters();
  }

  private enqueue(group: Group, item: Queued): void {
    if (group.batch) return this.enqueueBatch(group, group.batch, item);
    const key = item.event.key;
    let lane = group.lanes.get(key);
    if (!lane) {
      lane = { queue: [], running: false };
      group.lanes.set(key, lane);
    }
    lane.queue.push(item);
    this.pending++;
    if (!lane.running) {
      lane.running = true;
      const run = this.runLane(group, key, lane).finally(() => this.running.delete(run));
      this.running.add(run);
    }
  }

  private async runLane(group: Group, key: string, lane: Lane): Promise<void> {
    // Next macrotask: publish() returns before any handler runs, as it would with a broker in between.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const logger = this.logger.child({ group: group.name });
    while (!this.closing) {
      const item = lane.queue[0];
      if (!item) break;
      const handled = await this.handleUntilDone(group, item.event, logger);
      if (!handled) return; // closing: the event stays queued
      lane.queue.shift();
      this.pending--;
    }
    lane.running = false;
    if (lane.queue.length === 0) group.lanes.delete(key);
    if (this.pending === 0) this.releaseIdleWaiters();
  }

  private async handleUntilDone(group: Group, event: EventEnvelope, logger: Logger): Promise<boolean> {
    for (let attempt = 0; ; attempt++) {
      // Stable member per key while membership holds, the in-memory analogue of a partition's owner.
      const member = group.members[hashKey(event.key) % group.members.length] as EventHandler;
      try {
        await member(event);
        return true;
      } catch (err) {
        logger.error({ err, event_id: event.id, event_type: event.type, attempt }, 'Event handler failed; will redeliver');
        if (this.closing) return false;
        await this.sleeper.sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 10_000, ...this.opts.handlerRetry }));
        if (this.closing) return false;
      }
    }
  }

  private enqueueBatch(group: Group, batch: NonNullable<Group['batch']>, item: Queued): void {
    batch.queue.push(item);
    this.pending++;
    if (batch.running) return;
    batch.running = true;
    const run = this.runBatches(group, batch).finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async runBatches(group: Group, batch: NonNullable<Group['batch']>): Promise<void> {
    // Next macrotask, as for lanes; events published meanwhile join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const logger = this.logger.child({ group: group.name });
    while (!this.closing && batch.queue.length > 0) {
      const events = batch.queue.slice(0, batch.max).map((q) => q.event);
      const member = batch.members[batch.turn++ % batch.members.length] as BatchHandler;
      for (let attempt = 0; ; attempt++) {
        try {
          await member(events);
          break;
        } catch (err) {
          logger.error({ err, events: events.length, first_event_id: events[0]?.id, attempt }, 'Batch handler failed; will redeliver');
          if (this.closing) return; // the batch stays queued
          await this.sleeper.sleep(backoffDelay(attempt, { baseMs: 50, maxMs: 10_000, ...this.opts.handlerRetry }));
          if (this.closing) return;
        }
      }
      batch.queue.splice(0, events.length);
      this.pending -= events.length;
    }
    batch.running = false;
    if (this.pending === 0) this.releaseIdleWaiters();
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }
}

function hashKey(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) >>> 0;
  return h;
}

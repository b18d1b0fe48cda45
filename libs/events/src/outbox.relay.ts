import pino, { type Logger } from 'pino';
import type { EventEnvelope } from '@callplane/contracts';
import { Prisma, type DbTx, type PrismaClient } from '@callplane/db';
import { backoffDelay, Sleeper, type BackoffOptions } from './backoff';
import type { EventBus } from './event-bus';

export interface OutboxRelayOptions {
  prisma: PrismaClient;
  bus: EventBus;
  logger?: Logger;
  /** Rows claimed and published per transaction. Default 100. */
  batchSize?: number;
  /** How often to look for rows when nobody calls notify(). Default 1000 ms. */
  pollIntervalMs?: number;
  /** Only relay these topics. Default: every topic. Lets tests (and dedicated relays) share one outbox table. */
  topics?: readonly string[];
  /** Backoff after a failed publish or database error. Default 200 ms doubling to 30 s. */
  retry?: BackoffOptions;
  /** Upper bound for one claim-publish-mark transaction; must exceed the bus's own publish retries. Default 60 s. */
  transactionTimeoutMs?: number;
}

export interface RelayBatchResult {
  claimed: number;
  published: number;
  /** Claimed but left for later: an older row of the same key is still in flight with another relay. */
  deferred: number;
  failed: number;
  error?: unknown;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  envelope: unknown;
}

const DEFERRED_RETRY_MS = 50;

/**
 * Publishes outbox rows to the bus. Any number of relays (replicas) run at once: each batch claims rows
 * with `FOR UPDATE SKIP LOCKED` in a transaction, publishes them in created order and marks them published
 * in that same transaction, so a row is marked only after the broker acked it and a crash in between just
 * publishes it again (consumers dedupe on the event id). Failed publishes stay pending, counted in
 * `attempts`/`last_error`, and are retried with backoff.
 */
export class OutboxRelay {
  private readonly logger: Logger;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly pollSleeper = new Sleeper();
  private readonly backoffSleeper = new Sleeper();
  private loop?: Promise<void>;
  private running = false;
  private notified = false;

  constructor(private readonly opts: OutboxRelayOptions) {
    this.logger = (opts.logger ?? pino({ name: 'events' })).child({ component: 'outbox-relay' });
    this.batchSize = opts.batchSize ?? 100;
    this.pollIntervalMs = opts.pollIntervalMs ?? 1_000;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops polling; the batch in flight finishes (published and marked, or recorded as failed) first. */
  async stop(): Promise<void> {
    this.running = false;
    this.pollSleeper.wake();
    this.backoffSleeper.wake();
    await this.loop;
    this.loop = undefined;
  }

  /** Look now, e.g. right after committing a transaction that enqueued events. Does not cut a failure backoff short. */
  notify(): void {
    this.notified = true;
    this.pollSleeper.wake();
  }

  /** Publishes until no row (of this relay's topics) is pending; for tests and shutdown. Rejects with the last error after `timeoutMs`. */
  async flush({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let failures = 0;
    for (;;) {
      const r = await this.publishBatch();
      if (r.claimed === 0 && (await this.pendingCount()) === 0) return;
      if (Date.now() > deadline) {
        const why = r.error instanceof Error ? r.error.message : 'rows are still pending';
        throw new Error(`Outbox flush timed out after ${timeoutMs} ms: ${why}`);
      }
      if (r.failed > 0) await this.backoffSleeper.sleep(backoffDelay(failures++, this.retryOptions()));
      else if (r.published === 0) await this.pollSleeper.sleep(DEFERRED_RETRY_MS); // another relay holds them
    }
  }

  /** One claim-publish-mark transaction. Never throws: failures are reported in the result. */
  async publishBatch(): Promise<RelayBatchResult> {
    try {
      return await this.opts.prisma.$transaction((tx) => this.claimAndPublish(tx), {
        timeout: this.opts.transactionTimeoutMs ?? 60_000,
        maxWait: 10_000,
      });
    } catch (err) {
      this.logger.error({ err }, 'Outbox batch failed');
      return { claimed: 0, published: 0, deferred: 0, failed: 1, error: err };
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      const r = await this.publishBatch();
      if (!this.running) break;
      if (r.failed > 0) {
        await this.backoffSleeper.sleep(backoffDelay(failures++, this.retryOptions()));
        continue;
      }
      failures = 0;
      if (r.claimed === this.batchSize && r.published > 0) continue; // likely more waiting
      if (this.notified) {
        this.notified = false;
        continue;
      }
      await this.pollSleeper.sleep(r.deferred > 0 ? DEFERRED_RETRY_MS : this.pollIntervalMs);
      this.notified = false;
    }
  }

  private async claimAndPublish(tx: DbTx): Promise<RelayBatchResult> {
    const rows = await tx.$queryRaw<OutboxRow[]>`
      SELECT id, topic, key, envelope FROM outbox_events
      WHERE published_at IS NULL ${this.topicFilter()}
      ORDER BY created_at, id
      LIMIT ${this.batchSize}
      FOR UPDATE SKIP LOCKED`;
    if (rows.length === 0) return { claimed: 0, published: 0, deferred: 0, failed: 0 };

    // SKIP LOCKED can hand us a key's newer rows while another relay holds its older ones; publishing them now
    // would break per-key order, so hold back every row that has an older unpublished row we did not claim.
    const ids = Prisma.join(rows.map((r) => r.id));
    const blocked = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT c.id FROM outbox_events c
      WHERE c.id IN (${ids}) AND EXISTS (
        SELECT 1 FROM outbox_events o
        WHERE o.published_at IS NULL AND o.topic = c.topic AND o.key = c.key
          AND o.id NOT IN (${ids}) AND (o.created_at, o.id) < (c.created_at, c.id))`;
    const blockedIds = new Set(blocked.map((b) => b.id));
    const ready = rows.filter((r) => !blockedIds.has(r.id));

    const byTopic = new Map<string, OutboxRow[]>();
    for (const row of ready) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);

    // Topics are independent streams, so one failing topic does not hold back the others.
    const outcomes = await Promise.all(
      [...byTopic].map(async ([topic, topicRows]) => {
        try {
          await this.opts.bus.publish(topic, topicRows.map((r) => parseEnvelope(r.envelope)));
          return { topicRows, error: undefined };
        } catch (error) {
          return { topicRows, error };
        }
      }),
    );

    let published = 0;
    let failed = 0;
    let lastError: unknown;
    for (const { topicRows, error } of outcomes) {
      const where = { id: { in: topicRows.map((r) => r.id) } };
      if (error === undefined) {
        await tx.outboxEvent.updateMany({ where, data: { publishedAt: new Date(), attempts: { increment: 1 } } });
        published += topicRows.length;
      } else {
        const message = error instanceof Error ? error.message : String(error);
        await tx.outboxEvent.updateMany({ where, data: { attempts: { increment: 1 }, lastError: message.slice(0, 2_000) } });
        this.logger.warn({ err: error, topic: topicRows[0]?.topic, count: topicRows.length }, 'Publishing outbox events failed; will retry');
        failed += topicRows.length;
        lastError = error;
      }
    }
    return { claimed: rows.length, published, deferred: blockedIds.size, failed, error: lastError };
  }

  private async pendingCount(): Promise<number> {
    const [row] = await this.opts.prisma.$queryRaw<Array<{ n: number | bigint }>>`
      SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL ${this.topicFilter()}`;
    return Number(row?.n ?? 0);
  }

  private topicFilter(): Prisma.Sql {
    const topics = this.opts.topics;
    if (!topics) return Prisma.empty;
    return topics.length > 0 ? Prisma.sql`AND topic IN (${Prisma.join([...topics])})` : Prisma.sql`AND false`;
  }

  private retryOptions(): BackoffOptions {
    return { baseMs: 200, maxMs: 30_000, ...this.opts.retry };
  }
}

function parseEnvelope(value: unknown): EventEnvelope {
  // JSONB arrives parsed from node-postgres, as text from some other driver adapters.
  return (typeof value === 'string' ? JSON.parse(value) : value) as EventEnvelope;
}

import pino, { type Logger } from 'pino';
import type { EventEnvelope } from '@callplane/contracts';
import { Prisma, type DbTx, type PrismaClient } from '@callplane/db';
import { backoffDelay, Sleeper, type BackoffOptions } from './backoff';
import type { EventBus } from './event-bus';

/** A client checked out of a node-postgres pool: what the relay uses of it. */
export interface RelayPoolClient {
  query<R extends object>(q: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[] }>;
  /** An error (or `true`) destroys the connection instead of returning it to the pool. */
  release(err?: Error | boolean): void;
}

/** What the relay uses of a node-postgres pool; a `pg` Pool (`Database.pool`) fits. */
export interface RelayPool {
  connect(): Promise<RelayPoolClient>;
}

export interface OutboxRelayOptions {
  prisma: PrismaClient;
  /**
   * The node-postgres pool under `prisma` (`Database.pool`): the claim and mark statements run on it as prepared
   * statements, skipping Prisma's per-query overhead. Absent (the embedded database): everything goes through Prisma.
   */
  pool?: RelayPool | null;
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

/** What is waiting in the outbox, for the `/metrics` gauges. */
export interface OutboxBacklog {
  /** Rows not yet published. */
  rows: number;
  /** How long the oldest of them has waited, by the database's clock; 0 when none waits. */
  oldestAgeSeconds: number;
}

interface OutboxRow {
  id: string;
  topic: string;
  key: string;
  envelope: unknown;
  /** An older unpublished row of the same key is held by another relay: publishing this one now would break key order. */
  blocked: boolean;
}

interface Outcome {
  rows: OutboxRow[];
  error?: unknown;
}

const DEFERRED_RETRY_MS = 50;

/**
 * The claim, in one statement: the oldest pending rows this relay can lock, each flagged when an older unpublished row
 * of its key is not among them (locked by another relay: SKIP LOCKED can hand us a key's newer rows while another relay
 * holds its older ones). `filter` narrows the topics; `$1` is the batch size.
 */
const claimSql = (filter: string, limit: string) => `
  WITH claimed AS MATERIALIZED (
    SELECT id, topic, key, envelope, created_at FROM outbox_events
    WHERE published_at IS NULL ${filter}
    ORDER BY created_at, id
    LIMIT ${limit}
    FOR UPDATE SKIP LOCKED),
  blocked AS (
    SELECT b.id FROM claimed b WHERE EXISTS (
      SELECT 1 FROM outbox_events o
      WHERE o.published_at IS NULL AND o.topic = b.topic AND o.key = b.key
        AND (o.created_at, o.id) < (b.created_at, b.id)
        AND NOT EXISTS (SELECT 1 FROM claimed x WHERE x.id = o.id)))
  SELECT c.id, c.topic, c.key, c.envelope, c.id IN (SELECT id FROM blocked) AS blocked
  FROM claimed c
  ORDER BY c.created_at, c.id`;
// The check is a semi-join (computed once for the batch), not a sub-select per row: the per-row form's estimated cost,
// with stale statistics on a busy outbox, crossed jit_above_cost and spent ~200 ms compiling every batch.

/** The claim for Prisma: the same text, the topic filter and batch size as values. */
const PRISMA_CLAIM_PARTS = claimSql('\u0000', '\u0001').split(/[\u0000\u0001]/);

/** Prepared once per connection (statement names are per connection in node-postgres). */
const PG_CLAIM_ALL = { name: 'outbox_relay_claim_all_v1', text: claimSql('', '$1') };
const PG_CLAIM_TOPICS = { name: 'outbox_relay_claim_topics_v1', text: claimSql('AND topic = ANY($2::text[])', '$1') };

/**
 * The mark for the published rows of a batch, in one statement: `published_at` set and the attempt counted. A
 * primary-key lookup per id (`= ANY`): joined to an unnest instead, the planner hashed the whole table on every batch.
 * `published_at` is a timestamp without time zone holding UTC, as Prisma writes it.
 */
const PG_MARK_PUBLISHED = {
  name: 'outbox_relay_mark_published_v2',
  text: `
  UPDATE outbox_events
  SET attempts = attempts + 1, published_at = ($2::timestamptz AT TIME ZONE 'UTC')
  WHERE id = ANY($1::text[])`,
};

/** The rows whose publish failed (rare): the attempt counted and the error kept; they stay pending. */
const PG_MARK_FAILED = {
  name: 'outbox_relay_mark_failed_v2',
  text: `
  UPDATE outbox_events AS o
  SET attempts = o.attempts + 1, last_error = m.error
  FROM unnest($1::text[], $2::text[]) AS m(id, error)
  WHERE o.id = m.id`,
};

/**
 * Publishes outbox rows to the bus. Any number of relays (replicas) run at once: each batch claims rows
 * with `FOR UPDATE SKIP LOCKED` in a transaction, publishes them in created order and marks them published
 * in that same transaction, so a row is marked only after the broker acked it and a crash in between just
 * publishes it again (consumers dedupe on the event id). Failed publishes stay pending, counted in
 * `attempts`/`last_error`, and are retried with backoff.
 *
 * A batch is four round trips whatever its size (begin, claim, mark, commit; a fifth when a publish failed), on the node-postgres pool when there is
 * one; notify() calls arriving while a batch runs are folded into one more batch after it.
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
  /** The loop is sleeping on `pollSleeper` (not mid-batch, not backing off): only then does notify() need to wake it. */
  private idle = false;

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

  /**
   * Look now, e.g. right after committing a transaction that enqueued events. Cheap enough to call per event: calls
   * while a batch is running only mark that another batch is due. Does not cut a failure backoff short.
   */
  notify(): void {
    this.notified = true;
    if (this.idle) this.pollSleeper.wake();
  }

  /** Publishes until no row (of this relay's topics) is pending; for tests and shutdown. Rejects with the last error after `timeoutMs`. */
  async flush({ timeoutMs = 30_000 }: { timeoutMs?: number } = {}): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let failures = 0;
    for (;;) {
      const r = await this.publishBatch();
      if (r.claimed === 0 && (await this.backlog()).rows === 0) return;
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
      if (this.opts.pool) return await this.publishBatchPg(this.opts.pool);
      return await this.opts.prisma.$transaction((tx) => this.publishBatchPrisma(tx), { timeout: this.transactionTimeoutMs() });
    } catch (err) {
      this.logger.error({ err }, 'Outbox batch failed');
      return { claimed: 0, published: 0, deferred: 0, failed: 1, error: err };
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      // Whatever notify() said so far, this batch sees it.
      this.notified = false;
      const r = await this.publishBatch();
      if (!this.running) break;
      if (r.failed > 0) {
        await this.backoffSleeper.sleep(backoffDelay(failures++, this.retryOptions()));
        continue;
      }
      failures = 0;
      if (r.claimed === this.batchSize && r.published > 0) continue; // likely more waiting
      if (this.notified) continue; // committed while the batch ran: one more batch takes them all
      this.idle = true;
      try {
        await this.pollSleeper.sleep(r.deferred > 0 ? DEFERRED_RETRY_MS : this.pollIntervalMs);
      } finally {
        this.idle = false;
      }
    }
  }

  /** node-postgres: begin, one claim statement, publish, one mark statement, commit, on one pooled connection. */
  private async publishBatchPg(pool: RelayPool): Promise<RelayBatchResult> {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      // One round trip; no JIT: compiling costs far more than this small statement ever runs (see claimSql).
      await client.query({ text: 'BEGIN; SET LOCAL jit = off' });
      try {
        const topics = this.opts.topics;
        const { rows } = topics
          ? await client.query<OutboxRow>({ ...PG_CLAIM_TOPICS, values: [this.batchSize, topics] })
          : await client.query<OutboxRow>({ ...PG_CLAIM_ALL, values: [this.batchSize] });
        if (rows.length === 0) {
          await client.query({ text: 'COMMIT' });
          return { claimed: 0, published: 0, deferred: 0, failed: 0 };
        }
        const { outcomes, deferred } = await this.withTimeout(this.publishRows(rows));
        const { published, failed, errors } = marks(outcomes);
        if (published.length > 0) await client.query({ ...PG_MARK_PUBLISHED, values: [published, new Date().toISOString()] });
        if (failed.length > 0) await client.query({ ...PG_MARK_FAILED, values: [failed, errors] });
        await client.query({ text: 'COMMIT' });
        return this.summarise(rows.length, deferred, outcomes);
      } catch (err) {
        await client.query({ text: 'ROLLBACK' }).catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
        });
        throw err;
      }
    } catch (err) {
      // A failed BEGIN/COMMIT leaves the connection in an unknown state: do not hand it back.
      broken ??= err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  }

  /** Prisma (the embedded database): the same two statements inside an interactive transaction. */
  private async publishBatchPrisma(tx: DbTx): Promise<RelayBatchResult> {
    const rows = await tx.$queryRaw<OutboxRow[]>(new Prisma.Sql(PRISMA_CLAIM_PARTS, [this.topicFilter(), this.batchSize]));
    if (rows.length === 0) return { claimed: 0, published: 0, deferred: 0, failed: 0 };
    const { outcomes, deferred } = await this.publishRows(rows);
    // The same two marks as the pg path's statements.
    const { published, failed, errors } = marks(outcomes);
    if (published.length > 0) {
      await tx.$executeRaw`UPDATE outbox_events SET attempts = attempts + 1, published_at = ${new Date()} WHERE id = ANY(${published}::text[])`;
    }
    if (failed.length > 0) {
      await tx.$executeRaw`
        UPDATE outbox_events AS o SET attempts = o.attempts + 1, last_error = m.error
        FROM unnest(${failed}::text[], ${errors}::text[]) AS m(id, error)
        WHERE o.id = m.id`;
    }
    return this.summarise(rows.length, deferred, outcomes);
  }

  /** Publishes the claimed rows that are not blocked, per topic and in created order. Never throws. */
  private async publishRows(rows: OutboxRow[]): Promise<{ outcomes: Outcome[]; deferred: number }> {
    const byTopic = new Map<string, OutboxRow[]>();
    let deferred = 0;
    for (const row of rows) {
      if (row.blocked) {
        deferred++;
        continue;
      }
      const list = byTopic.get(row.topic);
      if (list) list.push(row);
      else byTopic.set(row.topic, [row]);
    }
    // Topics are independent streams, so one failing topic does not hold back the others.
    const outcomes = await Promise.all(
      [...byTopic].map(async ([topic, topicRows]): Promise<Outcome> => {
        try {
          await this.opts.bus.publish(topic, topicRows.map((r) => parseEnvelope(r.envelope)));
          return { rows: topicRows };
        } catch (error) {
          return { rows: topicRows, error };
        }
      }),
    );
    return { outcomes, deferred };
  }

  private summarise(claimed: number, deferred: number, outcomes: Outcome[]): RelayBatchResult {
    let published = 0;
    let failed = 0;
    let lastError: unknown;
    for (const { rows, error } of outcomes) {
      if (error === undefined) {
        published += rows.length;
      } else {
        this.logger.warn({ err: error, topic: rows[0]?.topic, count: rows.length }, 'Publishing outbox events failed; will retry');
        failed += rows.length;
        lastError = error;
      }
    }
    return { claimed, published, deferred, failed, error: lastError };
  }

  /** The pg path's counterpart of Prisma's transaction timeout: a publish that outlasts it rolls the batch back. */
  private withTimeout<T>(p: Promise<T>): Promise<T> {
    const ms = this.transactionTimeoutMs();
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`Outbox batch timed out after ${ms} ms`)), ms);
    });
    return Promise.race([p, expired]).finally(() => clearTimeout(timer));
  }

  /**
   * The unpublished rows (of this relay's topics) and the age of the oldest, read from the pending-row index: cheap
   * whatever the size of the table. Every relay reads the one shared outbox, so every replica reports the same figure.
   */
  async backlog(): Promise<OutboxBacklog> {
    // created_at holds UTC wall time (timestamp without time zone, as Prisma writes it).
    const [row] = await this.opts.prisma.$queryRaw<Array<{ n: number; age: number | null }>>`
      SELECT count(*)::int AS n, EXTRACT(EPOCH FROM (now() AT TIME ZONE 'UTC') - min(created_at))::float8 AS age
      FROM outbox_events WHERE published_at IS NULL ${this.topicFilter()}`;
    return { rows: Number(row?.n ?? 0), oldestAgeSeconds: Math.max(0, Number(row?.age ?? 0)) };
  }

  private topicFilter(): Prisma.Sql {
    const topics = this.opts.topics;
    if (!topics) return Prisma.empty;
    return topics.length > 0 ? Prisma.sql`AND topic IN (${Prisma.join([...topics])})` : Prisma.sql`AND false`;
  }

  private transactionTimeoutMs(): number {
    return this.opts.transactionTimeoutMs ?? 60_000;
  }

  private retryOptions(): BackoffOptions {
    return { baseMs: 200, maxMs: 30_000, ...this.opts.retry };
  }
}

/** A batch's outcomes as the two marks take them: the ids published, and the ids that failed with their errors. */
function marks(outcomes: Outcome[]): { published: string[]; failed: string[]; errors: string[] } {
  const published: string[] = [];
  const failed: string[] = [];
  const errors: string[] = [];
  for (const o of outcomes) {
    if (o.error === undefined) for (const row of o.rows) published.push(row.id);
    else {
      const message = errorMessage(o.error);
      for (const row of o.rows) {
        failed.push(row.id);
        errors.push(message);
      }
    }
  }
  return { published, failed, errors };
}

function errorMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
}

function parseEnvelope(value: unknown): EventEnvelope {
  // JSONB arrives parsed from node-postgres, as text from some other driver adapters.
  return (typeof value === 'string' ? JSON.parse(value) : value) as EventEnvelope;
}

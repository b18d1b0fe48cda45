import type { EventEnvelope } from '@callplane/contracts';
import { sqlIn, type DbTx, type PrismaClient, type Sql, type SqlTx } from '@callplane/db';
import { subscribeBatched } from './batch';
import type { EventBus } from './event-bus';

export interface DedupedSubscription<Tx = DbTx> {
  group: string;
  topics: readonly string[];
  /** Runs in a transaction that also records the event as processed: its writes commit exactly once per event id. */
  handle(event: EventEnvelope, tx: Tx): Promise<void>;
  /** Upper bound for one handler transaction. Default 30 s. */
  transactionTimeoutMs?: number;
}

/**
 * At-least-once in, effectively-once out: the bus may deliver an event again (a relay republishing after a
 * crash, a rebalance before the offset commit), so the handler's writes and a `processed_events` row
 * (group, event id) commit together, and a delivery whose row already exists is skipped. If the handler
 * throws, both roll back and the bus redelivers. Concurrent duplicates serialize on the primary key.
 */
export function subscribeDeduped(bus: EventBus, prisma: PrismaClient, sub: DedupedSubscription): Promise<void> {
  return bus.subscribe({
    group: sub.group,
    topics: sub.topics,
    handler: (event) =>
      prisma.$transaction(
        async (tx) => {
          const inserted = await tx.$executeRaw`
            INSERT INTO processed_events (consumer, event_id, processed_at)
            VALUES (${sub.group}, ${event.id}, ${new Date()})
            ON CONFLICT (consumer, event_id) DO NOTHING`;
          if (inserted === 0) return; // already handled by this group
          await sub.handle(event, tx);
        },
        { timeout: sub.transactionTimeoutMs ?? 30_000 },
      ),
  });
}

/**
 * `subscribeDeduped` on libs/db `Sql` (the pg pool, or Prisma's raw queries on the embedded database): the same
 * `processed_events` row in the same transaction as the handler's statements. `transactionTimeoutMs` applies to the
 * Prisma path only.
 */
export function subscribeDedupedSql(bus: EventBus, sql: Sql, sub: DedupedSubscription<SqlTx>): Promise<void> {
  return bus.subscribe({
    group: sub.group,
    topics: sub.topics,
    handler: (event) =>
      sql.transaction(async (tx) => {
        if ((await freshEvents(tx, sub.group, [event])).length === 0) return; // already handled by this group
        await sub.handle(event, tx);
      }),
  });
}

export interface DedupedBatchSubscription<R = void, Tx = DbTx> {
  group: string;
  topics: readonly string[];
  /** Runs in one transaction with the batch's `processed_events` rows; gets only events this group has not handled before, each once. */
  handle(events: EventEnvelope[], tx: Tx): Promise<R>;
  /**
   * After that transaction committed, with what `handle` returned: for what must happen once per event and only if
   * the handler's writes stand (counting in metrics). Not called when no event was new, nor for a rolled-back attempt.
   */
  committed?(result: R): void;
  maxBatchSize?: number;
  transactionTimeoutMs?: number;
}

/**
 * `subscribeDeduped` for batches: one transaction per batch records every event id (one statement) and
 * hands the handler the events whose id was new, in delivery order. A failure rolls the whole batch back
 * and the bus delivers it again; offsets are committed after the commit.
 */
export function subscribeDedupedBatch<R = void>(bus: EventBus, prisma: PrismaClient, sub: DedupedBatchSubscription<R>): Promise<void> {
  return subscribeBatched(bus, {
    group: sub.group,
    topics: sub.topics,
    maxBatchSize: sub.maxBatchSize,
    handler: async (events) => {
      const outcome = await prisma.$transaction(
        async (tx): Promise<{ result: R } | null> => {
          const once = await freshEvents(sqlIn(tx), sub.group, events);
          return once.length > 0 ? { result: await sub.handle(once, tx) } : null;
        },
        { timeout: sub.transactionTimeoutMs ?? 30_000 },
      );
      if (outcome) sub.committed?.(outcome.result);
    },
  });
}

/**
 * `subscribeDedupedBatch` on libs/db `Sql` (the pg pool, or Prisma's raw queries on the embedded database), for a
 * consumer whose handler writes with its own statements: the same `processed_events` rows, in the same transaction.
 * `transactionTimeoutMs` applies to the Prisma path only.
 */
export function subscribeDedupedBatchSql<R = void>(bus: EventBus, sql: Sql, sub: DedupedBatchSubscription<R, SqlTx>): Promise<void> {
  return subscribeBatched(bus, {
    group: sub.group,
    topics: sub.topics,
    maxBatchSize: sub.maxBatchSize,
    handler: async (events) => {
      const outcome = await sql.transaction(async (tx): Promise<{ result: R } | null> => {
        const once = await freshEvents(tx, sub.group, events);
        return once.length > 0 ? { result: await sub.handle(once, tx) } : null;
      });
      if (outcome) sub.committed?.(outcome.result);
    },
  });
}

const RECORD_PROCESSED_SQL = `
  INSERT INTO processed_events (consumer, event_id, processed_at)
  SELECT $1, id, $2::timestamp(3) FROM unnest($3::text[]) AS id
  ON CONFLICT (consumer, event_id) DO NOTHING
  RETURNING event_id`;

/** Records the batch's event ids for `group` (one statement); returns the events whose id was new, in delivery order, each once. */
async function freshEvents(tx: SqlTx, group: string, events: readonly EventEnvelope[]): Promise<EventEnvelope[]> {
  const ids = [...new Set(events.map((e) => e.id))];
  const fresh = await tx.query<{ event_id: string }>(RECORD_PROCESSED_SQL, [group, new Date().toISOString(), ids]);
  const todo = new Set(fresh.map((r) => r.event_id));
  return events.filter((e) => todo.delete(e.id));
}

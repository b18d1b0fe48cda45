import type { EventEnvelope } from '@callplane/contracts';
import type { DbTx, PrismaClient } from '@callplane/db';
import { subscribeBatched } from './batch';
import type { EventBus } from './event-bus';

export interface DedupedSubscription {
  group: string;
  topics: readonly string[];
  /** Runs in a transaction that also records the event as processed: its writes commit exactly once per event id. */
  handle(event: EventEnvelope, tx: DbTx): Promise<void>;
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

export interface DedupedBatchSubscription {
  group: string;
  topics: readonly string[];
  /** Runs in one transaction with the batch's `processed_events` rows; gets only events this group has not handled before, each once. */
  handle(events: EventEnvelope[], tx: DbTx): Promise<void>;
  maxBatchSize?: number;
  transactionTimeoutMs?: number;
}

/**
 * `subscribeDeduped` for batches: one transaction per batch records every event id (one statement) and
 * hands the handler the events whose id was new, in delivery order. A failure rolls the whole batch back
 * and the bus delivers it again; offsets are committed after the commit.
 */
export function subscribeDedupedBatch(bus: EventBus, prisma: PrismaClient, sub: DedupedBatchSubscription): Promise<void> {
  return subscribeBatched(bus, {
    group: sub.group,
    topics: sub.topics,
    maxBatchSize: sub.maxBatchSize,
    handler: (events) =>
      prisma.$transaction(
        async (tx) => {
          const ids = [...new Set(events.map((e) => e.id))];
          const fresh = await tx.$queryRaw<Array<{ event_id: string }>>`
            INSERT INTO processed_events (consumer, event_id, processed_at)
            SELECT ${sub.group}, id, ${new Date()} FROM unnest(${ids}::text[]) AS id
            ON CONFLICT (consumer, event_id) DO NOTHING
            RETURNING event_id`;
          const todo = new Set(fresh.map((r) => r.event_id));
          const once = events.filter((e) => todo.delete(e.id));
          if (once.length > 0) await sub.handle(once, tx);
        },
        { timeout: sub.transactionTimeoutMs ?? 30_000 },
      ),
  });
}

import type { PrismaClient } from '@callplane/db';
import type { Logger } from './logger';
import { startWorkerLoop, type WorkerLoop } from './worker-loop';

export interface Retention {
  /** Consumer dedupe marks: must outlast any redelivery (Kafka keeps events 7 days by default). */
  processedEventDays: number;
  /** Published outbox rows, kept a while for inspection and replay. */
  publishedOutboxDays: number;
  /** Sandbox web call tokens past their minute: spent or not, they open nothing any more. */
  webCallTokenDays: number;
}

export const DEFAULT_RETENTION: Retention = { processedEventDays: 14, publishedOutboxDays: 7, webCallTokenDays: 1 };

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Deletes what no one needs any more: expired Idempotency-Key records, old dedupe marks, old published outbox rows and
 * expired web call tokens. Unpublished outbox rows are never touched. Safe to run on every replica at once.
 */
export async function sweepExpired(prisma: PrismaClient, now = new Date(), retention = DEFAULT_RETENTION) {
  const [idempotency, processed, outbox, webCallTokens] = await Promise.all([
    prisma.idempotencyRecord.deleteMany({ where: { expiresAt: { lt: now } } }),
    prisma.processedEvent.deleteMany({ where: { processedAt: { lt: new Date(now.getTime() - retention.processedEventDays * DAY_MS) } } }),
    prisma.outboxEvent.deleteMany({ where: { publishedAt: { lt: new Date(now.getTime() - retention.publishedOutboxDays * DAY_MS) } } }),
    prisma.webCallToken.deleteMany({ where: { expiresAt: { lt: new Date(now.getTime() - retention.webCallTokenDays * DAY_MS) } } }),
  ]);
  return { idempotency: idempotency.count, processedEvents: processed.count, outbox: outbox.count, webCallTokens: webCallTokens.count };
}

/** Runs the sweep now and then every `intervalMs` (default hourly); `stop()` waits for a sweep in flight. */
export function startHousekeeping(prisma: PrismaClient, logger: Logger, intervalMs = 60 * 60 * 1000): WorkerLoop {
  return startWorkerLoop({
    name: 'housekeeping',
    intervalMs,
    firstDelayMs: 0,
    tick: async () => logger.debug({ deleted: await sweepExpired(prisma) }, 'housekeeping sweep'),
    logger,
    logFailure: (err) => logger.warn({ err }, 'housekeeping sweep failed; will retry'),
  });
}

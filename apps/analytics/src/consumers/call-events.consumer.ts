import { TOPICS } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { subscribeDedupedBatch, type EventBus } from '@callplane/events';
import type { Logger } from '@callplane/service-kit';
import { applyCallEvents } from '../usecases/apply-call-events.usecase';
import { countCallChanges, type CallMetrics } from '../usecases/call-metrics';
import type { PriceBook } from '../usecases/price-book';

export const ANALYTICS_SESSIONS_GROUP = 'analytics.sessions';
export const CALL_EVENT_TOPICS = [TOPICS.callLifecycle, TOPICS.callTranscript, TOPICS.callUsage] as const;

/**
 * One consumer group over the three call topics, in batches: each batch is deduplicated and folded into
 * sessions and leads in one transaction, and its offsets are committed after that transaction commits.
 * The fold is order-independent, so the topics need no coordination between them. The calls a batch saw
 * start or end are counted once its transaction committed (a rolled-back attempt counts nothing).
 */
export function subscribeCallEvents(
  bus: EventBus,
  prisma: PrismaClient,
  prices: PriceBook,
  log: Logger,
  opts: { maxBatchSize?: number; metrics?: CallMetrics } = {},
): Promise<void> {
  return subscribeDedupedBatch(bus, prisma, {
    group: ANALYTICS_SESSIONS_GROUP,
    topics: CALL_EVENT_TOPICS,
    maxBatchSize: opts.maxBatchSize,
    handle: async (events, tx) => {
      const { calls, ...result } = await applyCallEvents(tx, events, prices, log);
      log.debug({ events: events.length, ...result, started: calls.started.length, ended: calls.ended.length }, 'call events applied');
      return calls;
    },
    committed: (calls) => {
      if (opts.metrics) countCallChanges(opts.metrics, calls);
    },
  });
}

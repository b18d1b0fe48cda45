import { TOPICS } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { subscribeDeduped, type EventBus } from '@callplane/events';
import type { Logger } from '@callplane/service-kit';
import { applyLifecycleEvent } from '../usecases/apply-lifecycle.usecase';

export const ANALYTICS_SESSIONS_GROUP = 'analytics.sessions';

export function subscribeLifecycle(bus: EventBus, prisma: PrismaClient, log: Logger): Promise<void> {
  return subscribeDeduped(bus, prisma, {
    group: ANALYTICS_SESSIONS_GROUP,
    topics: [TOPICS.callLifecycle],
    handle: (event, tx) => applyLifecycleEvent(tx, event, log.child({ session_id: event.key })),
  });
}

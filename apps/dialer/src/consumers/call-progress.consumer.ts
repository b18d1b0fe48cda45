import { TOPICS, type CallLifecycleData, type EventEnvelope } from '@callplane/contracts';
import { subscribeDeduped, type EventBus } from '@callplane/events';
import { recordCallProgress } from '../usecases/call-progress';
import type { DialerDeps } from '../usecases/deps';
import { enqueueStatusWebhooks } from '../usecases/status-webhooks';
import { releaseTrialNumber } from '../usecases/trial-pool';

export const DIALER_CALL_PROGRESS_GROUP = 'dialer.call-progress';

/**
 * Outbound calls' progress: the dialer's own records, the trial pool, and the customers' status webhooks, all in the
 * transaction that marks the event processed, so a redelivered event changes nothing twice.
 */
export function subscribeCallProgress(bus: EventBus, deps: DialerDeps): Promise<void> {
  return subscribeDeduped(bus, deps.prisma, {
    group: DIALER_CALL_PROGRESS_GROUP,
    topics: [TOPICS.callLifecycle],
    handle: async (event, tx) => {
      const e = event as EventEnvelope<CallLifecycleData>;
      if (e.data?.direction !== 'outbound') return;
      await recordCallProgress(deps, e, tx);
      await releaseTrialNumber(deps, e, tx);
      await enqueueStatusWebhooks(deps, e, tx);
    },
  });
}

import { TOPICS, type CallLifecycleData, type EventEnvelope } from '@callplane/contracts';
import type { DbTx } from '@callplane/db';
import { subscribeDeduped, type EventBus } from '@callplane/events';
import { recordCallProgress } from '../usecases/call-progress';
import { recordCampaignCallOutcome } from '../usecases/campaign-outcomes';
import type { DialerDeps } from '../usecases/deps';
import { enqueueStatusWebhooks } from '../usecases/status-webhooks';
import { releaseTrialNumber } from '../usecases/trial-pool';

export const DIALER_CALL_PROGRESS_GROUP = 'dialer.call-progress';

/**
 * Outbound calls' progress: the dialer's own records, a campaign contact's outcome when its call ends, the trial pool,
 * and the customers' status webhooks, all in the transaction that marks the event processed, so a redelivered event
 * changes nothing twice.
 */
export function subscribeCallProgress(bus: EventBus, deps: DialerDeps): Promise<void> {
  return subscribeDeduped(bus, deps.prisma, {
    group: DIALER_CALL_PROGRESS_GROUP,
    topics: [TOPICS.callLifecycle],
    handle: (event, tx) => handleCallProgress(deps, event as EventEnvelope<CallLifecycleData>, tx),
  });
}

/** One `call.lifecycle` event, in the consumer's transaction (exported for specs that feed events by hand). */
export async function handleCallProgress(deps: DialerDeps, e: EventEnvelope<CallLifecycleData>, tx: DbTx): Promise<void> {
  if (e.data?.direction !== 'outbound') return;
  const moved = await recordCallProgress(deps, e, tx);
  if (moved) await recordCampaignCallOutcome(deps, moved, tx);
  await releaseTrialNumber(deps, e, tx);
  await enqueueStatusWebhooks(deps, e, tx);
}

import { TOPICS, type CallLifecycleData, type EventEnvelope } from '@callplane/contracts';
import { sqlIn, type DbTx, type SqlTx } from '@callplane/db';
import { subscribeDedupedBatchSql, type EventBus } from '@callplane/events';
import { recordCallProgress } from '../usecases/call-progress';
import { lockCallsWithAgents } from '../usecases/call-progress.sql';
import { recordCampaignCallOutcomes } from '../usecases/campaign-outcomes';
import type { DialerDeps } from '../usecases/deps';
import { enqueueStatusWebhooks } from '../usecases/status-webhooks';
import { releaseTrialNumbers } from '../usecases/trial-pool';

export const DIALER_CALL_PROGRESS_GROUP = 'dialer.call-progress';

/**
 * Outbound calls' progress: the dialer's own records, a campaign contact's outcome when its call ends, the trial pool,
 * and the customers' status webhooks, all in the transaction that marks the events processed, so a redelivered event
 * changes nothing twice. In batches (where the bus batches: Kafka): a campaign ends hundreds of calls a minute, and one
 * transaction with a handful of statements per batch costs a fraction of one per event.
 */
export function subscribeCallProgress(bus: EventBus, deps: DialerDeps): Promise<void> {
  return subscribeDedupedBatchSql(bus, deps.sql, {
    group: DIALER_CALL_PROGRESS_GROUP,
    topics: [TOPICS.callLifecycle],
    handle: (events, tx) => handleCallProgress(deps, events as EventEnvelope<CallLifecycleData>[], tx),
  });
}

/** A batch of `call.lifecycle` events in delivery order, in the consumer's transaction (exported for specs that feed events by hand). */
export async function handleCallProgress(deps: DialerDeps, events: readonly EventEnvelope<CallLifecycleData>[], tx: DbTx | SqlTx): Promise<void> {
  const outbound = events.filter((e) => e.data?.direction === 'outbound');
  if (outbound.length === 0) return;
  // The batch's rows are locked and read once (one statement), for every step below.
  const { calls, agents } = await lockCallsWithAgents(sqlIn(tx), outbound.map((e) => e.data.session_id));
  const moved = await recordCallProgress(deps, outbound, tx, calls);
  await recordCampaignCallOutcomes(deps, moved, tx);
  await releaseTrialNumbers(deps, outbound, tx);
  await enqueueStatusWebhooks(deps, outbound, tx, calls, agents);
}

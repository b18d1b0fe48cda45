import { FINAL_CONTACT_STATES, CONTACT_STATES, newId, type CampaignCompletedWebhook } from '@callplane/contracts';
import { sqlIn, type Campaign, type DbTx, type SqlTx } from '@callplane/db';
import { countsFor } from './campaign-presenter';
import type { DialerDeps } from './deps';

/** Contact states from which a call may still be placed or is under way: every state but the final ones. */
export const OPEN_CONTACT_STATES = CONTACT_STATES.filter((s) => !FINAL_CONTACT_STATES.includes(s));

/** Whether any contact may still be called or is on a call. */
export async function hasOpenContacts(tx: DbTx | SqlTx, campaignId: string): Promise<boolean> {
  const rows = await sqlIn(tx).query(HAS_OPEN_CONTACTS_SQL, [campaignId, OPEN_CONTACT_STATES]);
  return rows.length > 0;
}

const HAS_OPEN_CONTACTS_SQL = `SELECT 1 AS open FROM campaign_contacts WHERE campaign_id = $1 AND state = ANY($2::text[]) LIMIT 1`;

/**
 * `running` → `completed` once every contact is final, or `scheduled`/`running`/`paused` → `completed` at `end_at`,
 * every contact not final turning `canceled` (a call still up goes on: its end records the outcome beside `canceled`,
 * see campaign-outcomes). In the caller's transaction, which holds the campaign's row lock; the completion webhook is
 * queued in the same transaction, with the final counts.
 */
export async function completeCampaign(deps: DialerDeps, tx: DbTx, campaign: Campaign, why: 'all_final' | 'end_at'): Promise<void> {
  const now = deps.now();
  if (why === 'end_at') {
    await tx.campaignContact.updateMany({ where: { campaignId: campaign.id, state: { in: OPEN_CONTACT_STATES } }, data: { state: 'canceled', nextAttemptAt: null, updatedAt: now } });
  }
  const done = await tx.campaign.update({ where: { id: campaign.id }, data: { status: 'completed', completedAt: campaign.completedAt ?? now, updatedAt: now } });
  deps.logger.info({ tenant_id: campaign.tenantId, campaign_id: campaign.id, why }, 'campaign completed');
  await sendCompletion(deps, tx, done);
}

/**
 * A campaign that ended without the runner (`canceled` through the API) still owes its `campaign.completed`: sent once
 * its last call is over, so the counts are final. Contacts the cancel left waiting are canceled first (the API does so
 * itself; this keeps the counts final whatever wrote the status). Returns whether it was sent.
 */
export async function sendCompletionIfOwed(deps: DialerDeps, tx: DbTx, campaign: Campaign): Promise<boolean> {
  if (campaign.completionSentAt || (campaign.status !== 'completed' && campaign.status !== 'canceled')) return false;
  await tx.campaignContact.updateMany({ where: { campaignId: campaign.id, state: { in: ['pending', 'retry_scheduled'] } }, data: { state: 'canceled', nextAttemptAt: null, updatedAt: deps.now() } });
  const calling = await tx.campaignContact.count({ where: { campaignId: campaign.id, state: 'calling' } });
  if (calling > 0) return false;
  await sendCompletion(deps, tx, campaign);
  return true;
}

/**
 * Queues the one `campaign.completed` webhook (when the campaign has a `webhook_url`) on the durable, signed delivery
 * of status webhooks, and marks it sent. Its delivery's ordering key (`session_id`) is the campaign id: it goes out
 * on its own, not behind any call's pending status webhooks.
 */
async function sendCompletion(deps: DialerDeps, tx: DbTx, campaign: Campaign): Promise<void> {
  const now = deps.now();
  if (campaign.webhookUrl) {
    const body: CampaignCompletedWebhook = {
      id: newId('event'),
      event: 'campaign.completed',
      campaign_id: campaign.id,
      occurred_at: now.toISOString(),
      status: campaign.status as CampaignCompletedWebhook['status'],
      counts: (await countsFor(tx, [campaign.id])).get(campaign.id)!,
    };
    await tx.webhookDelivery.create({
      data: { id: body.id, tenantId: campaign.tenantId, sessionId: campaign.id, url: campaign.webhookUrl, body: JSON.stringify(body), occurredAt: now, nextAttemptAt: now, createdAt: now },
    });
  }
  await tx.campaign.update({ where: { id: campaign.id }, data: { completionSentAt: now } });
}

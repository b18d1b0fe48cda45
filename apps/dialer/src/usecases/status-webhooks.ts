import type { CallLifecycleData, EventEnvelope, StatusWebhookBody } from '@callplane/contracts';
import type { DbTx } from '@callplane/db';
import type { DialerDeps } from './deps';

/**
 * Runs for every `call.lifecycle` event of an outbound call, in the consumer's deduplicated transaction: queues one
 * status webhook to the call's `webhook_url` (a campaign's call carries the campaign's), else the agent's
 * `status_webhook_url`, else nothing; a campaign's call names its campaign and contact. The delivery's id
 * is the event's id, so a redelivered event queues nothing new and the customer sees the same `id` on every retry.
 * The target is not vetted here (DNS can change): the delivery worker checks it when it connects.
 */
export async function enqueueStatusWebhooks(deps: DialerDeps, event: EventEnvelope<CallLifecycleData>, tx: DbTx): Promise<void> {
  const call = event.data;
  if (call.direction !== 'outbound') return;
  const outbound = await tx.outboundCall.findFirst({
    where: { id: call.session_id, tenantId: event.tenant_id },
    select: { webhookUrl: true, agentId: true, campaignId: true, campaignContactId: true },
  });
  const url = await targetUrl(tx, event.tenant_id, call, outbound);
  if (!url) return;
  const campaign = outbound?.campaignId && outbound.campaignContactId ? { campaign_id: outbound.campaignId, contact_id: outbound.campaignContactId } : {};
  const body: StatusWebhookBody = { id: event.id, event: call.state, session_id: call.session_id, occurred_at: event.occurred_at, ...campaign, call };
  const now = deps.now();
  await tx.webhookDelivery.createMany({
    data: [
      {
        id: event.id,
        tenantId: event.tenant_id,
        sessionId: call.session_id,
        url,
        body: JSON.stringify(body),
        occurredAt: new Date(event.occurred_at),
        nextAttemptAt: now,
        createdAt: now,
      },
    ],
    skipDuplicates: true,
  });
}

async function targetUrl(tx: DbTx, tenantId: string, call: CallLifecycleData, outbound: { webhookUrl: string | null; agentId: string } | null): Promise<string | null> {
  if (outbound?.webhookUrl) return outbound.webhookUrl;
  const agentId = outbound?.agentId ?? call.agent_id;
  if (!agentId) return null;
  const agent = await tx.agent.findFirst({ where: { id: agentId, tenantId }, select: { statusWebhookUrl: true } });
  return agent?.statusWebhookUrl ?? null;
}

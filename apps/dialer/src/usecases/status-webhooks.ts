import type { CallLifecycleData, EventEnvelope, StatusWebhookBody } from '@callplane/contracts';
import { sqlIn, type DbTx, type SqlTx } from '@callplane/db';
import { insertDeliveries, readAgentHooks, readWebhookCalls, type AgentHook, type WebhookCall } from './call-progress.sql';
import type { DialerDeps } from './deps';

/**
 * Runs for a batch of `call.lifecycle` events, in the consumer's deduplicated transaction: queues one status webhook
 * per outbound call's event to the call's `webhook_url` (a campaign's call carries the campaign's), else the agent's
 * `status_webhook_url`, else nothing; a campaign's call names its campaign and contact. The delivery's id is the
 * event's id, so a redelivered event queues nothing new and the customer sees the same `id` on every retry. The
 * batch's calls (unless the caller has read them: `read`) and agents are read in one statement each, its deliveries
 * written in one. The target is not vetted
 * here (DNS can change): the delivery worker checks it when it connects.
 */
export async function enqueueStatusWebhooks(
  deps: DialerDeps,
  events: readonly EventEnvelope<CallLifecycleData>[],
  tx: DbTx | SqlTx,
  read?: ReadonlyMap<string, WebhookCall>,
  /** Agents the caller read already (`lockCallsWithAgents`), by id: not read again. */
  readAgents?: ReadonlyMap<string, AgentHook>,
): Promise<void> {
  const outbound = events.filter((e) => e.data.direction === 'outbound');
  if (outbound.length === 0) return;
  const sql = sqlIn(tx);
  // A call or agent counts only in its own tenant: an event naming another tenant's ids finds nothing.
  const callById = read ?? new Map((await readWebhookCalls(sql, [...new Set(outbound.map((e) => e.data.session_id))])).map((c) => [c.id, c]));
  const callOf = (e: EventEnvelope<CallLifecycleData>) => {
    const call = callById.get(e.data.session_id);
    return call?.tenantId === e.tenant_id ? call : null;
  };
  const agentOf = (e: EventEnvelope<CallLifecycleData>) => callOf(e)?.agentId ?? e.data.agent_id;
  const agentById = new Map<string, AgentHook>(readAgents ?? []);
  const needAgents = outbound.filter((e) => !callOf(e)?.webhookUrl && agentOf(e) && !agentById.has(agentOf(e)!));
  if (needAgents.length) for (const a of await readAgentHooks(sql, [...new Set(needAgents.map((e) => agentOf(e)!))])) agentById.set(a.id, a);
  const urlOf = (e: EventEnvelope<CallLifecycleData>) => {
    const agent = agentById.get(agentOf(e) ?? '');
    return callOf(e)?.webhookUrl ?? (agent?.tenantId === e.tenant_id ? agent.statusWebhookUrl : null);
  };

  const now = deps.now();
  const data = outbound.flatMap((event) => {
    const url = urlOf(event);
    if (!url) return [];
    const call = callOf(event);
    const campaign = call?.campaignId && call.campaignContactId ? { campaign_id: call.campaignId, contact_id: call.campaignContactId } : {};
    const body: StatusWebhookBody = { id: event.id, event: event.data.state, session_id: event.data.session_id, occurred_at: event.occurred_at, ...campaign, call: event.data };
    return [{ id: event.id, tenantId: event.tenant_id, sessionId: event.data.session_id, url, body: JSON.stringify(body), occurredAt: new Date(event.occurred_at), nextAttemptAt: now, createdAt: now }];
  });
  if (data.length) await insertDeliveries(sql, data);
}

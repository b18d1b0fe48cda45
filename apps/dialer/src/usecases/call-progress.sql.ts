import type { OutboundCall, SqlTx } from '@callplane/db';
import { OUTBOUND_CALL_SELECT } from './dispatch.sql';

/**
 * The statements of the `call.lifecycle` consumer's batch (libs/db `Sql`, in the consumer's transaction): a handful per
 * batch whatever its size, each row set written from arrays unnested server-side.
 */

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** An agent's status webhook target, as the status webhooks read it. */
export interface AgentHook {
  id: string;
  tenantId: string;
  statusWebhookUrl: string | null;
}

const LOCK_CALLS_SQL = `
  SELECT ${OUTBOUND_CALL_SELECT},
         CASE WHEN a.id IS NULL THEN NULL ELSE json_build_object('id', a.id, 'tenantId', a.tenant_id, 'statusWebhookUrl', a.status_webhook_url) END AS "agentHook"
  FROM outbound_calls o LEFT JOIN agents a ON a.id = o.agent_id
  WHERE o.id = ANY($1::text[]) ORDER BY o.id FOR UPDATE OF o`;

/**
 * The dialer's rows for these call ids, locked in id order (two batches never deadlock) and read, with their agents'
 * status webhook targets (by agent id: what the status webhooks would read next), in one statement.
 */
export async function lockCallsWithAgents(tx: SqlTx, sessionIds: readonly string[]): Promise<{ calls: Map<string, OutboundCall>; agents: Map<string, AgentHook> }> {
  const ids = [...new Set(sessionIds)];
  const calls = new Map<string, OutboundCall>();
  const agents = new Map<string, AgentHook>();
  if (ids.length === 0) return { calls, agents };
  for (const { agentHook, ...call } of await tx.query<OutboundCall & { agentHook: AgentHook | null }>(LOCK_CALLS_SQL, [ids])) {
    calls.set(call.id, call);
    if (agentHook) agents.set(agentHook.id, agentHook);
  }
  return { calls, agents };
}

/** `lockCallsWithAgents`, the calls alone. */
export async function lockOutboundCalls(tx: SqlTx, sessionIds: readonly string[]): Promise<Map<string, OutboundCall>> {
  return (await lockCallsWithAgents(tx, sessionIds)).calls;
}

const WRITE_PROGRESS_SQL = `
  UPDATE outbound_calls AS o
  SET call_state = u.call_state, state = u.state, updated_at = u.updated_at AT TIME ZONE 'UTC',
      ringing_at = u.ringing_at AT TIME ZONE 'UTC', answered_at = u.answered_at AT TIME ZONE 'UTC', ended_at = u.ended_at AT TIME ZONE 'UTC'
  FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[], $6::timestamptz[], $7::timestamptz[])
    AS u(id, call_state, state, updated_at, ringing_at, answered_at, ended_at)
  WHERE o.id = u.id`;

/** The calls a batch moved, written in one statement (a row per call). */
export async function writeCallProgress(tx: SqlTx, rows: readonly OutboundCall[]): Promise<void> {
  await tx.query(WRITE_PROGRESS_SQL, [
    rows.map((r) => r.id),
    rows.map((r) => r.callState),
    rows.map((r) => r.state),
    rows.map((r) => iso(r.updatedAt)),
    rows.map((r) => iso(r.ringingAt)),
    rows.map((r) => iso(r.answeredAt)),
    rows.map((r) => iso(r.endedAt)),
  ]);
}

export interface LockedContact {
  id: string;
  state: string;
  attempts: number;
  last_session_id: string | null;
}

const LOCK_CONTACTS_SQL = `SELECT id, state, attempts, last_session_id FROM campaign_contacts WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE`;

/** Campaign contacts locked in id order and read. */
export function lockContacts(tx: SqlTx, ids: readonly string[]): Promise<LockedContact[]> {
  return tx.query<LockedContact>(LOCK_CONTACTS_SQL, [ids]);
}

const CAMPAIGN_RETRY_SQL = `SELECT id, status, retry FROM campaigns WHERE id = ANY($1::text[])`;

/** Each campaign's status and retry rule. */
export function readCampaignRetries(tx: SqlTx, ids: readonly string[]): Promise<Array<{ id: string; status: string; retry: unknown }>> {
  return tx.query(CAMPAIGN_RETRY_SQL, [ids]);
}

export interface ContactOutcomeRow {
  id: string;
  state: string;
  lastOutcome: string;
  durationSeconds: number | null;
  nextAttemptAt: Date | null;
}

const WRITE_OUTCOMES_SQL = `
  UPDATE campaign_contacts AS c
  SET state = u.state, last_outcome = u.last_outcome, duration_seconds = u.duration_seconds,
      next_attempt_at = CASE WHEN c.state = 'calling' THEN u.next_attempt_at AT TIME ZONE 'UTC' ELSE c.next_attempt_at END,
      updated_at = $6::timestamptz AT TIME ZONE 'UTC'
  FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::timestamptz[]) AS u(id, state, last_outcome, duration_seconds, next_attempt_at)
  WHERE c.id = u.id`;

/** Contacts' outcomes in one statement; a contact no longer `calling` (canceled) keeps its `next_attempt_at`. */
export async function writeContactOutcomes(tx: SqlTx, rows: readonly ContactOutcomeRow[], at: Date): Promise<void> {
  await tx.query(WRITE_OUTCOMES_SQL, [
    rows.map((r) => r.id),
    rows.map((r) => r.state),
    rows.map((r) => r.lastOutcome),
    rows.map((r) => r.durationSeconds),
    rows.map((r) => iso(r.nextAttemptAt)),
    at.toISOString(),
  ]);
}

const RELEASE_TRIAL_SQL = `UPDATE trial_numbers SET in_use_by = NULL WHERE in_use_by = ANY($1::text[])`;

/** Frees the trial numbers these calls hold, if they still hold one. */
export async function releaseTrialLeases(tx: SqlTx, sessionIds: readonly string[]): Promise<void> {
  await tx.query(RELEASE_TRIAL_SQL, [sessionIds]);
}

export type WebhookCall = Pick<OutboundCall, 'id' | 'tenantId' | 'webhookUrl' | 'agentId' | 'campaignId' | 'campaignContactId'>;

const WEBHOOK_CALLS_SQL = `
  SELECT id, tenant_id AS "tenantId", webhook_url AS "webhookUrl", agent_id AS "agentId", campaign_id AS "campaignId",
         campaign_contact_id AS "campaignContactId"
  FROM outbound_calls WHERE id = ANY($1::text[])`;

export function readWebhookCalls(tx: SqlTx, ids: readonly string[]): Promise<WebhookCall[]> {
  return tx.query<WebhookCall>(WEBHOOK_CALLS_SQL, [ids]);
}

const AGENT_HOOKS_SQL = `SELECT id, tenant_id AS "tenantId", status_webhook_url AS "statusWebhookUrl" FROM agents WHERE id = ANY($1::text[])`;

export function readAgentHooks(tx: SqlTx, ids: readonly string[]): Promise<AgentHook[]> {
  return tx.query(AGENT_HOOKS_SQL, [ids]);
}

export interface NewDelivery {
  id: string;
  tenantId: string;
  sessionId: string;
  url: string;
  body: string;
  occurredAt: Date;
  nextAttemptAt: Date;
  createdAt: Date;
}

const INSERT_DELIVERIES_SQL = `
  INSERT INTO webhook_deliveries (id, tenant_id, session_id, url, body, occurred_at, next_attempt_at, created_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamp(3)[], $7::timestamp(3)[], $8::timestamp(3)[])
  ON CONFLICT DO NOTHING`;

/** Status webhook deliveries in one statement; one whose id (the event's) exists already is skipped. */
export async function insertDeliveries(tx: SqlTx, rows: readonly NewDelivery[]): Promise<void> {
  await tx.query(INSERT_DELIVERIES_SQL, [
    rows.map((r) => r.id),
    rows.map((r) => r.tenantId),
    rows.map((r) => r.sessionId),
    rows.map((r) => r.url),
    rows.map((r) => r.body),
    rows.map((r) => r.occurredAt.toISOString()),
    rows.map((r) => r.nextAttemptAt.toISOString()),
    rows.map((r) => r.createdAt.toISOString()),
  ]);
}

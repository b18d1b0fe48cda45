import type { SessionGuard } from '@callplane/calls';
import type { OutboundCall, SqlTx } from '@callplane/db';

/**
 * The statements of an outbound call's dispatch (libs/db `Sql`: the pg pool, or Prisma's raw queries on the embedded
 * database): the call and everything its plan needs in one read, and its `dispatching → dispatched` step.
 */

/** What `planDial` decides from, besides the call: its number (a trial-pool number or the tenant's), its agent, the do-not-call list. */
export interface DialFacts {
  trial: { provider: string; trunkId: string | null } | null;
  phone: { provider: string; outboundEnabled: boolean; state: string; importSteps: unknown } | null;
  agent: { id: string; name: string; systemPrompt: string; voice: unknown } | null;
  doNotCall: boolean;
}

/** `o` is the call (its trial_number_id, from_phone_id, agent_id, tenant_id, to_number). */
const FACTS_SELECT = `
  t.id AS trial_id, t.provider AS trial_provider, t.livekit_outbound_trunk_id AS trial_trunk_id,
  p.id AS phone_id, p.provider AS phone_provider, p.outbound_enabled AS phone_outbound_enabled, p.state AS phone_state, p.import_steps AS phone_import_steps,
  a.id AS agent_found_id, a.name AS agent_name, a.system_prompt AS agent_system_prompt, a.voice AS agent_voice,
  EXISTS (SELECT 1 FROM do_not_call_numbers d WHERE d.tenant_id = o.tenant_id AND d.number = o.to_number) AS do_not_call`;
const FACTS_JOINS = `
  LEFT JOIN trial_numbers t ON t.id = o.trial_number_id
  LEFT JOIN phone_numbers p ON o.trial_number_id IS NULL AND p.id = o.from_phone_id
  LEFT JOIN agents a ON a.id = o.agent_id`;

interface FactsRow {
  trial_id: string | null;
  trial_provider: string | null;
  trial_trunk_id: string | null;
  phone_id: string | null;
  phone_provider: string | null;
  phone_outbound_enabled: boolean | null;
  phone_state: string | null;
  phone_import_steps: unknown;
  agent_found_id: string | null;
  agent_name: string | null;
  agent_system_prompt: string | null;
  agent_voice: unknown;
  do_not_call: boolean;
}

function factsOf(r: FactsRow): DialFacts {
  return {
    trial: r.trial_id ? { provider: r.trial_provider!, trunkId: r.trial_trunk_id } : null,
    phone: r.phone_id ? { provider: r.phone_provider!, outboundEnabled: r.phone_outbound_enabled!, state: r.phone_state!, importSteps: r.phone_import_steps } : null,
    agent: r.agent_found_id ? { id: r.agent_found_id, name: r.agent_name!, systemPrompt: r.agent_system_prompt!, voice: r.agent_voice } : null,
    doNotCall: r.do_not_call,
  };
}

const FACTS_SQL = `
  SELECT ${FACTS_SELECT}
  FROM (SELECT $1::text AS trial_number_id, $2::text AS from_phone_id, $3::text AS agent_id, $4::text AS tenant_id, $5::text AS to_number) o
  ${FACTS_JOINS}`;

/** The facts for a call the caller has read already. */
export async function readDialFacts(tx: SqlTx, call: Pick<OutboundCall, 'trialNumberId' | 'fromPhoneId' | 'agentId' | 'tenantId' | 'toNumber'>): Promise<DialFacts> {
  const [row] = await tx.query<FactsRow>(FACTS_SQL, [call.trialNumberId, call.fromPhoneId, call.agentId, call.tenantId, call.toNumber]);
  return factsOf(row!);
}

/** The outbound_calls columns (of `o`) as Prisma's `OutboundCall`. */
export const OUTBOUND_CALL_SELECT = `o.id, o.tenant_id AS "tenantId", o.user_id AS "userId", o.agent_id AS "agentId", o.from_phone_id AS "fromPhoneId",
  o.from_number AS "fromNumber", o.to_number AS "toNumber", o.call_type AS "callType", o.context, o.state, o.claimed_by AS "claimedBy",
  o.scheduled_at AS "scheduledAt", o.webhook_url AS "webhookUrl", o.room_name AS "roomName", o.trial_number_id AS "trialNumberId",
  o.campaign_id AS "campaignId", o.campaign_contact_id AS "campaignContactId", o.error, o.call_state AS "callState",
  o.dispatched_at AS "dispatchedAt", o.ringing_at AS "ringingAt", o.answered_at AS "answeredAt", o.ended_at AS "endedAt",
  o.created_at AS "createdAt", o.updated_at AS "updatedAt"`;

const CALL_TO_DISPATCH_SQL = `SELECT ${OUTBOUND_CALL_SELECT}, ${FACTS_SELECT} FROM outbound_calls o ${FACTS_JOINS} WHERE o.id = $1`;

/** The call and its facts in one statement; null when there is no such call. */
export async function readCallToDispatch(tx: SqlTx, callId: string): Promise<{ call: OutboundCall; facts: DialFacts } | null> {
  const [row] = await tx.query<OutboundCall & FactsRow>(CALL_TO_DISPATCH_SQL, [callId]);
  if (!row) return null;
  const {
    trial_id: _t, trial_provider: _tp, trial_trunk_id: _tt, phone_id: _p, phone_provider: _pp, phone_outbound_enabled: _po, phone_state: _ps, phone_import_steps: _pi,
    agent_found_id: _a, agent_name: _an, agent_system_prompt: _as, agent_voice: _av, do_not_call: _d, ...call
  } = row;
  return { call, facts: factsOf(row) };
}

const MARK_DISPATCHED_SQL = `
  UPDATE outbound_calls SET state = 'dispatched', room_name = $2, dispatched_at = $3::timestamp(3), updated_at = $4::timestamp(3)
  WHERE id = $1 AND state = 'dispatching'
  RETURNING id`;

/**
 * `dispatching → dispatched`, conditional on the row still being `dispatching`: false when it is not (a second dispatch
 * of the same row, a stale claim another replica took over), so that dispatch stops before opening a session.
 */
export async function markDispatched(tx: SqlTx, callId: string, roomName: string, at: Date): Promise<boolean> {
  const rows = await tx.query(MARK_DISPATCHED_SQL, [callId, roomName, at.toISOString(), new Date().toISOString()]);
  return rows.length === 1;
}

/** The same step as the guard of the session's statement (libs/calls `openOutboundSessionIf`): one statement for both. */
export function dispatchedGuard(callId: string, roomName: string, at: Date): SessionGuard {
  return { sql: MARK_DISPATCHED_SQL, values: [callId, roomName, at.toISOString(), new Date().toISOString()] };
}

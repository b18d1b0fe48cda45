import { buildEventEnvelope, lifecycleEventType, newId, TOPICS, type CallDirection, type CallLifecycleData, type CallState, type CallType, type Provider } from '@callplane/contracts';
import type { CallSession } from '@callplane/db';
import type { GatewayDeps } from './deps';

export interface NewSession {
  tenantId: string;
  agentId: string | null;
  phoneNumberId: string | null;
  direction: CallDirection;
  callType: CallType;
  fromNumber: string;
  toNumber: string;
  provider: Provider;
  providerCallId: string;
  state: CallState;
  endReason?: string | null;
}

export function lifecycleData(s: CallSession): CallLifecycleData {
  return {
    session_id: s.id,
    state: s.status as CallState,
    direction: s.direction as CallDirection,
    call_type: s.callType as CallType,
    agent_id: s.agentId,
    phone_number_id: s.phoneNumberId,
    from_number: s.fromNumber,
    to_number: s.toNumber,
    provider: s.provider as Provider,
    provider_call_id: s.providerCallId,
    sip_status: s.sipStatus,
    end_reason: s.endReason,
    started_at: s.createdAt.toISOString(),
    answered_at: s.answeredAt?.toISOString() ?? null,
    ended_at: s.endedAt?.toISOString() ?? null,
  };
}

/**
 * Creates the call session and its first lifecycle event atomically, in one statement (one round trip on
 * the webhook hot path). A provider retrying the same call (same provider + call id) gets the existing
 * session back and no second event: the unique index decides (`ON CONFLICT DO NOTHING` inserts neither
 * row), so concurrent retries on several replicas still produce one.
 */
export async function openSession(deps: Pick<GatewayDeps, 'prisma' | 'outbox' | 'now'>, input: NewSession): Promise<{ session: CallSession; created: boolean }> {
  const at = deps.now();
  const terminal = input.state !== 'initiating' && input.state !== 'ringing' && input.state !== 'in_progress';
  const session: CallSession = {
    id: newId('callSession'),
    tenantId: input.tenantId,
    agentId: input.agentId,
    phoneNumberId: input.phoneNumberId,
    direction: input.direction,
    callType: input.callType,
    fromNumber: input.fromNumber,
    toNumber: input.toNumber,
    provider: input.provider,
    providerCallId: input.providerCallId,
    status: input.state,
    endReason: input.endReason ?? null,
    sipStatus: null,
    createdAt: at,
    answeredAt: null,
    endedAt: terminal ? at : null,
    updatedAt: at,
  };
  const envelope = buildEventEnvelope({ type: lifecycleEventType(input.state), tenantId: session.tenantId, key: session.id, data: lifecycleData(session), occurredAt: at });
  // Timestamps are stored as UTC wall time in `timestamp(3)`, as Prisma writes them; the cast drops the "Z".
  const ts = at.toISOString();
  const rows = await deps.prisma.$queryRaw<Array<{ created: number }>>`
    WITH s AS (
      INSERT INTO call_sessions (id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number,
                                 provider, provider_call_id, status, end_reason, created_at, ended_at, updated_at)
      VALUES (${session.id}, ${session.tenantId}, ${session.agentId}, ${session.phoneNumberId}, ${session.direction}, ${session.callType},
              ${session.fromNumber}, ${session.toNumber}, ${session.provider}, ${session.providerCallId}, ${session.status}, ${session.endReason},
              ${ts}::timestamp(3), ${terminal ? ts : null}::timestamp(3), ${ts}::timestamp(3))
      ON CONFLICT (provider, provider_call_id) DO NOTHING
      RETURNING id
    ), e AS (
      INSERT INTO outbox_events (id, topic, key, envelope, created_at)
      SELECT ${envelope.id}, ${TOPICS.callLifecycle}, s.id, ${JSON.stringify(envelope)}::jsonb, ${ts}::timestamp(3) FROM s
      RETURNING id
    )
    SELECT (SELECT count(*) FROM e)::int AS created`;
  if (Number(rows[0]?.created ?? 0) > 0) {
    deps.outbox.notify();
    return { session, created: true };
  }
  const existing = await deps.prisma.callSession.findUnique({ where: { provider_providerCallId: { provider: input.provider, providerCallId: input.providerCallId } } });
  if (!existing) throw new Error(`call session for ${input.provider} call ${input.providerCallId} conflicted but cannot be read`);
  return { session: existing, created: false };
}

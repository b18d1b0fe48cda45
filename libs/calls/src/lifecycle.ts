import type { CallDirection, CallLifecycleData, CallState, CallType, Provider } from '@callplane/contracts';
import type { CallSession } from '@callplane/db';

/** `data` of a `call.lifecycle` event: the whole call as it stands after the transition. */
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

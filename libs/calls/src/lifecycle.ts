import { lifecycleEventType, TOPICS, type CallDirection, type CallLifecycleData, type CallState, type CallType, type SessionProvider } from '@callplane/contracts';
import type { CallSession } from '@callplane/db';
import type { EnqueueEventInput } from '@callplane/events';

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
    provider: s.provider as SessionProvider,
    provider_call_id: s.providerCallId,
    sip_status: s.sipStatus,
    end_reason: s.endReason,
    campaign_id: s.campaignId,
    started_at: s.createdAt.toISOString(),
    answered_at: s.answeredAt?.toISOString() ?? null,
    ended_at: s.endedAt?.toISOString() ?? null,
  };
}

/**
 * The `call.lifecycle` event for a session as it now stands (its `status` names the event), keyed by the session so
 * one call's events stay in order. Every writer of call sessions (opening one, moving one) emits through this.
 */
export function lifecycleEvent(s: CallSession, occurredAt: Date): EnqueueEventInput<CallLifecycleData> {
  return { topic: TOPICS.callLifecycle, type: lifecycleEventType(s.status as CallState), tenantId: s.tenantId, key: s.id, data: lifecycleData(s), occurredAt };
}

import { lifecycleEventType, newId, TOPICS, type CallDirection, type CallLifecycleData, type CallState, type CallType, type Provider } from '@callplane/contracts';
import { Prisma, type CallSession } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
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
 * Creates the call session and its first lifecycle event in one transaction. A provider retrying the
 * same call (same provider + call id) gets the existing session back and no second event: the unique
 * index decides, so concurrent retries on several replicas still produce one.
 */
export async function openSession(deps: Pick<GatewayDeps, 'prisma' | 'outbox' | 'now'>, input: NewSession): Promise<{ session: CallSession; created: boolean }> {
  const at = deps.now();
  const terminal = input.state !== 'initiating' && input.state !== 'ringing' && input.state !== 'in_progress';
  try {
    const session = await deps.prisma.$transaction(async (tx) => {
      const s = await tx.callSession.create({
        data: {
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
          createdAt: at,
          endedAt: terminal ? at : null,
        },
      });
      await enqueueEvent(tx, { topic: TOPICS.callLifecycle, type: lifecycleEventType(input.state), tenantId: s.tenantId, key: s.id, data: lifecycleData(s) });
      return s;
    });
    deps.outbox.notify();
    return { session, created: true };
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    const existing = await deps.prisma.callSession.findUnique({ where: { provider_providerCallId: { provider: input.provider, providerCallId: input.providerCallId } } });
    if (!existing) throw err;
    return { session: existing, created: false };
  }
}

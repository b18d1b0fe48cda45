import { lifecycleEventType, TOPICS, type CallDirection, type CallState, type CallType, type Provider } from '@callplane/contracts';
import type { CallSession, DbTx, Prisma } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { lifecycleData } from './lifecycle';

export interface NewOutboundSession {
  /** Handed out before the call exists (the API's `session_id`). */
  id: string;
  tenantId: string;
  agentId: string;
  phoneNumberId: string | null;
  callType: CallType;
  fromNumber: string;
  toNumber: string;
  provider: Provider;
  roomName: string;
  at: Date;
}

/**
 * Opens an outbound call's session and its `call.initiating` event in the caller's transaction. (Inbound sessions
 * are opened by the gateway's batched writer, on its hot path.)
 */
export function openOutboundSession(tx: DbTx, input: NewOutboundSession): Promise<CallSession> {
  return openSession(tx, input.at, {
    id: input.id,
    tenantId: input.tenantId,
    agentId: input.agentId,
    phoneNumberId: input.phoneNumberId,
    direction: 'outbound' satisfies CallDirection,
    callType: input.callType,
    fromNumber: input.fromNumber,
    toNumber: input.toNumber,
    provider: input.provider,
    providerCallId: null,
    status: 'initiating',
    roomName: input.roomName,
  });
}

export interface NewInboundSession {
  id: string;
  tenantId: string;
  agentId: string;
  phoneNumberId: string;
  fromNumber: string;
  toNumber: string;
  provider: Provider;
  providerCallId: string;
  /** `initiating` when the agent answers; `completed` (with `endReason` after_hours) when it is closed. */
  state: 'initiating' | 'completed';
  endReason?: string | null;
  at: Date;
}

/**
 * Opens an inbound call's session and its first lifecycle event in the caller's transaction, as the gateway's
 * batched writer does on its hot path; used by the sandbox's simulated inbound calls.
 */
export function openInboundSession(tx: DbTx, input: NewInboundSession): Promise<CallSession> {
  return openSession(tx, input.at, {
    id: input.id,
    tenantId: input.tenantId,
    agentId: input.agentId,
    phoneNumberId: input.phoneNumberId,
    direction: 'inbound' satisfies CallDirection,
    callType: 'production' satisfies CallType,
    fromNumber: input.fromNumber,
    toNumber: input.toNumber,
    provider: input.provider,
    providerCallId: input.providerCallId,
    status: input.state,
    endReason: input.endReason ?? null,
    endedAt: input.state === 'completed' ? input.at : null,
  });
}

/** The session row and its first `call.lifecycle` event (of the row's status), in the caller's transaction. */
async function openSession(tx: DbTx, at: Date, data: Omit<Prisma.CallSessionUncheckedCreateInput, 'createdAt'>): Promise<CallSession> {
  const session = await tx.callSession.create({ data: { ...data, createdAt: at } });
  const state = session.status as CallState;
  await enqueueEvent(tx, { topic: TOPICS.callLifecycle, type: lifecycleEventType(state), tenantId: session.tenantId, key: session.id, data: lifecycleData(session), occurredAt: at });
  return session;
}

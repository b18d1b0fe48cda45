import { lifecycleEventType, TOPICS, type CallDirection, type CallType, type Provider } from '@callplane/contracts';
import type { CallSession, DbTx } from '@callplane/db';
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
export async function openOutboundSession(tx: DbTx, input: NewOutboundSession): Promise<CallSession> {
  const session = await tx.callSession.create({
    data: {
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
      createdAt: input.at,
    },
  });
  await enqueueEvent(tx, { topic: TOPICS.callLifecycle, type: lifecycleEventType('initiating'), tenantId: session.tenantId, key: session.id, data: lifecycleData(session), occurredAt: input.at });
  return session;
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
export async function openInboundSession(tx: DbTx, input: NewInboundSession): Promise<CallSession> {
  const terminal = input.state === 'completed';
  const session = await tx.callSession.create({
    data: {
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
      createdAt: input.at,
      endedAt: terminal ? input.at : null,
    },
  });
  await enqueueEvent(tx, { topic: TOPICS.callLifecycle, type: lifecycleEventType(input.state), tenantId: session.tenantId, key: session.id, data: lifecycleData(session), occurredAt: input.at });
  return session;
}

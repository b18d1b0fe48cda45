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


import { isTerminalState, newId, type CallDirection, type CallState, type CallType, type SessionProvider } from '@callplane/contracts';
import type { CallSession } from '@callplane/db';

/** A call session about to be opened, whichever service opens it. */
export interface NewCallSession {
  /** Handed out before the call exists (the dial API's `session_id`); a new `cs_` id when absent. */
  id?: string;
  tenantId: string;
  agentId: string | null;
  phoneNumberId: string | null;
  direction: CallDirection;
  callType: CallType;
  fromNumber: string;
  toNumber: string;
  provider: SessionProvider;
  /** The carrier's id for the call; null until known (an outbound call before it is placed). */
  providerCallId: string | null;
  /** The LiveKit room, when the opener already made it (outbound). */
  roomName?: string | null;
  /** The campaign placing the call (outbound campaign calls). */
  campaignId?: string | null;
  /** The call's cap in seconds from the plan it runs under, when the opener knows it (the dialer's dial plan). */
  maxDurationSeconds?: number | null;
  /** Usually `initiating`; a call refused at once opens terminal (`completed` with `endReason` after_hours). */
  state: CallState;
  endReason?: string | null;
}

/**
 * The session row as it is first stored, built in one place for every opener: the transactional ones (dialer,
 * voice agent, sandbox) and the gateway's batched writer. A session that opens terminal has ended when it opened.
 */
export function newSessionRow(input: NewCallSession, at: Date): CallSession {
  return {
    id: input.id ?? newId('callSession'),
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
    roomName: input.roomName ?? null,
    campaignId: input.campaignId ?? null,
    maxDurationSeconds: input.maxDurationSeconds ?? null,
    mediaReplica: null,
    createdAt: at,
    answeredAt: null,
    endedAt: isTerminalState(input.state) ? at : null,
    updatedAt: at,
  };
}

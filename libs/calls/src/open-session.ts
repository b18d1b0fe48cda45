import type { CallType, Provider } from '@callplane/contracts';
import { sqlIn, type CallSession, type DbTx, type SqlTx } from '@callplane/db';
import { outboxRow, type EnqueueEventInput } from '@callplane/events';
import { insertSessionWithEvents, type SessionGuard } from './call-sessions.sql';
import { lifecycleEvent } from './lifecycle';

export type { SessionGuard } from './call-sessions.sql';
import { newSessionRow, type NewCallSession } from './session-row';

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
  /** The campaign placing the call, for campaign calls. */
  campaignId?: string | null;
  /** The dial plan's cap (the agent's `max_duration`, a studio test call's limit); null when the plan failed. */
  maxDurationSeconds?: number | null;
  at: Date;
}

/**
 * Opens an outbound call's session and its `call.initiating` event in the caller's transaction (Prisma's, or one of
 * libs/db `Sql`), with `also`: events the opener sends in the same write (the dialer's sandbox command). (Inbound
 * sessions from carrier webhooks are opened by the batched `SessionOpener`, on the gateway's hot path.)
 */
export async function openOutboundSession(tx: DbTx | SqlTx, input: NewOutboundSession, also: readonly EnqueueEventInput[] = []): Promise<CallSession> {
  const { at, ...call } = input;
  return (await openSession(tx, at, { ...call, direction: 'outbound', providerCallId: null, state: 'initiating' }, also))!;
}

/**
 * `openOutboundSession` in one statement with the opener's own step (`guard`, see `SessionGuard`), outside any
 * transaction: the session opens, with its events, only if the guard returned a row. Null when it did not.
 */
export function openOutboundSessionIf(db: DbTx | SqlTx, guard: SessionGuard, input: NewOutboundSession, also: readonly EnqueueEventInput[] = []): Promise<CallSession | null> {
  const { at, ...call } = input;
  return openSession(db, at, { ...call, direction: 'outbound', providerCallId: null, state: 'initiating' }, also, guard);
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
 * Opens an inbound call's session and its first lifecycle event in the caller's transaction, as the batched
 * `SessionOpener` does on the gateway's hot path; used by the sandbox's simulated inbound calls.
 */
export async function openInboundSession(tx: DbTx, input: NewInboundSession): Promise<CallSession> {
  const { at, ...call } = input;
  return (await openSession(tx, at, { ...call, direction: 'inbound', callType: 'production' }))!;
}

export interface NewWebSession {
  id: string;
  tenantId: string;
  agentId: string;
  /** The studio user talking to the agent from the browser (shown as the session's `from_number`: `web:<user id>`). */
  userId: string;
  /** The LiveKit room the browser joins; null for the sandbox's WebSocket transport. */
  roomName: string | null;
  /** The agent's `max_duration`: the call's cap. */
  maxDurationSeconds: number;
  at: Date;
}

/**
 * Opens a studio Web Call's session (`direction: web`, `call_type: studio_test`, no carrier: provider `web`) and its
 * `call.initiating` event in the caller's transaction. It is answered when the browser connects.
 */
export async function openWebSession(tx: DbTx, input: NewWebSession): Promise<CallSession> {
  const { at, userId, ...call } = input;
  return (await openSession(tx, at, {
    ...call,
    direction: 'web',
    callType: 'studio_test',
    fromNumber: `web:${userId}`,
    toNumber: `web:${input.agentId}`,
    phoneNumberId: null,
    provider: 'web',
    providerCallId: null,
    state: 'initiating',
  }))!;
}

/**
 * The session row and its first `call.lifecycle` event (of the row's status), then `also`, in the caller's transaction:
 * one statement; with a `guard`, only if it returned a row (else null).
 */
async function openSession(tx: DbTx | SqlTx, at: Date, input: NewCallSession, also: readonly EnqueueEventInput[] = [], guard?: SessionGuard): Promise<CallSession | null> {
  const session = newSessionRow(input, at);
  const opened = await insertSessionWithEvents(sqlIn(tx), session, [outboxRow(lifecycleEvent(session, at)), ...also.map((e) => outboxRow(e))], guard);
  return opened ? session : null;
}

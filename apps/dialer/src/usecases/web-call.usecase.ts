import { claimUnconnectedWebCalls, issueWebCallToken, openWebSession } from '@callplane/calls';
import {
  isTerminalState,
  newId,
  WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS,
  webCallParticipantIdentity,
  webCallSocketPath,
  type CallState,
  type VoiceConfig,
  type WebCallCreate,
  type WebCallCreated,
  type WebCallMetadata,
} from '@callplane/contracts';
import { CALL_ROOM_PREFIX, type LiveKitCalls } from '@callplane/livekit';
import { AppError, notFound } from '@callplane/service-kit';
import type { DialerDeps } from './deps';
import { hangUp } from './hang-up';

/** The studio user asking: a web call is one of their tenant's sessions. */
export interface WebCaller {
  tenantId: string;
  userId: string;
}

const DEFAULT_MAX_DURATION = 600;
/** Calls swept per round of the watchdog. */
const SWEEP_BATCH = 50;

/**
 * `POST /voice/studio/web-call`: the browser talks to the agent, with no telephony and no test-call quota. The call is a
 * session like any other (`direction: web`, `call_type: studio_test`), capped at the agent's `max_duration`, run by the
 * voice agent with the agent as it is now. With LiveKit: a room with the voice agent dispatched into it, and a token
 * the browser joins it with. Without (the sandbox): a single-use token for the voice agent's audio socket, kept hashed.
 */
export async function startWebCall(deps: DialerDeps, caller: WebCaller, input: WebCallCreate): Promise<WebCallCreated> {
  const agent = await deps.prisma.agent.findFirst({ where: { id: input.agent_id, tenantId: caller.tenantId } });
  if (!agent) throw notFound('The agent');
  const voice = agent.voice as unknown as VoiceConfig;
  const sessionId = newId('callSession');
  const metadata: WebCallMetadata = {
    session_id: sessionId,
    tenant_id: caller.tenantId,
    direction: 'web',
    call_type: 'studio_test',
    max_duration_seconds: voice.max_duration ?? DEFAULT_MAX_DURATION,
    agent: { id: agent.id, name: agent.name, system_prompt: agent.systemPrompt, voice },
    context: {},
  };
  const session = { id: sessionId, tenantId: caller.tenantId, agentId: agent.id, userId: caller.userId, maxDurationSeconds: metadata.max_duration_seconds };
  const created = deps.livekit ? await startOnLiveKit(deps, deps.livekit, session, metadata) : await startOnSandbox(deps, session, metadata);
  deps.outbox.notify();
  deps.logger.info({ tenant_id: caller.tenantId, session_id: sessionId, agent_id: agent.id, transport: created.transport }, 'web call created');
  return created;
}

type NewWebCall = { id: string; tenantId: string; agentId: string; userId: string; maxDurationSeconds: number };

/**
 * The room and the agent's dispatch first, then the session: a LiveKit failure leaves nothing behind. The agent's job
 * waits for the browser, which cannot join before this answers, so the session exists by the time it is needed.
 */
async function startOnLiveKit(deps: DialerDeps, livekit: LiveKitCalls, call: NewWebCall, metadata: WebCallMetadata): Promise<WebCallCreated> {
  const roomName = `${CALL_ROOM_PREFIX}${call.id}`;
  const deleteRoom = () => livekit.endCall(roomName).catch((err: unknown) => deps.logger.warn({ session_id: call.id, err: (err as Error).message }, 'could not delete the room of a web call that was not created'));
  try {
    await livekit.prepareRoom({ roomName, metadata: metadata as unknown as Record<string, unknown>, maxCallDurationSeconds: metadata.max_duration_seconds });
  } catch (err) {
    await deleteRoom();
    throw new AppError('livekit_unavailable', 'The web call could not be set up: LiveKit did not take the room. Retry in a few seconds.', { cause: err, retryable: true });
  }
  const participantToken = await livekit.webParticipantToken({ roomName, identity: webCallParticipantIdentity(call.id), ttlSeconds: WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS });
  try {
    await deps.prisma.$transaction((tx) => openWebSession(tx, { ...call, roomName, at: deps.now() }));
  } catch (err) {
    await deleteRoom();
    throw err;
  }
  return { session_id: call.id, transport: 'livekit', server_url: livekit.browserUrl, participant_token: participantToken, room_name: roomName };
}

async function startOnSandbox(deps: DialerDeps, call: NewWebCall, metadata: WebCallMetadata): Promise<WebCallCreated> {
  if (!deps.publicBaseUrl) throw new Error('the dialer needs PUBLIC_BASE_URL to hand out sandbox web call URLs');
  const at = deps.now();
  const { token } = await deps.prisma.$transaction(async (tx) => {
    await openWebSession(tx, { ...call, roomName: null, at });
    return issueWebCallToken(tx, { metadata, at });
  });
  const base = deps.publicBaseUrl.replace(/^http(s?):/i, 'ws$1:');
  return { session_id: call.id, transport: 'websocket', url: `${base}${webCallSocketPath(call.id)}?token=${encodeURIComponent(token)}` };
}

/**
 * `POST /voice/studio/web-call/{id}/end`: hangs the call up where it runs (its LiveKit room deleted, or the sandbox's
 * voice agent told) and records the end, `completed` with reason `ended_by_user`. A call that has ended already is
 * left as it is; one never connected ends too (its token then opens nothing).
 */
export async function endWebCall(deps: DialerDeps, caller: WebCaller, sessionId: string): Promise<void> {
  const call = await deps.prisma.callSession.findFirst({ where: { id: sessionId, tenantId: caller.tenantId, direction: 'web' }, select: { id: true, tenantId: true, roomName: true, status: true } });
  if (!call) throw notFound('The web call');
  if (isTerminalState(call.status as CallState)) return;
  try {
    await hangUp(deps, call);
  } catch (err) {
    throw new AppError('livekit_unavailable', 'The call could not be ended right now. Retry in a few seconds.', { cause: err });
  }
  await deps.transitions.report({ call: { sessionId: call.id }, state: 'completed', at: deps.now(), endReason: 'ended_by_user' });
}

/**
 * Ends the sandbox web calls whose browser never connected while their token was good: `failed`, reason
 * `not_connected`. Claimed FOR UPDATE SKIP LOCKED, so replicas share the work and end each once. Returns how many.
 */
export async function endUnconnectedWebCalls(deps: DialerDeps): Promise<number> {
  // Every second on every replica, nearly always finding nothing: on libs/db `Sql`.
  const ended = await deps.sql.transaction(async (tx) => {
    const at = deps.now();
    const rows = await claimUnconnectedWebCalls(tx, at, SWEEP_BATCH);
    for (const { session_id } of rows) await deps.transitions.reportIn(tx, { call: { sessionId: session_id }, state: 'failed', at, endReason: 'not_connected' });
    return rows.length;
  });
  if (ended > 0) {
    deps.outbox.notify();
    deps.logger.info({ ended }, 'web calls never connected: ended');
  }
  return ended;
}

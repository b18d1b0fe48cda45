import type { CallReport } from '@callplane/calls';
import { WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS, webCallParticipantIdentity } from '@callplane/contracts';
import { SESSION_ATTRIBUTE } from '@callplane/livekit';
import type { VAD } from '@livekit/agents';
import type { Logger } from 'pino';
import { CallPlanError, isWebCallMetadata, planCall, type CallPlan, type InboundAgentResolver } from '../session/agent-config';
import { VoiceSession, type CallEventSink, type CallMedia, type CallOutcome } from '../session/voice-session';
import type { PluginSet } from '../session/plugins';
import type { TurnObserver } from '../session/turn-metrics';

/** The caller's participant in the room, as LiveKit shows it: the SIP leg (with its `sip.*` attributes), or a web call's browser. */
export interface SipParticipant {
  identity: string;
  attributes: Readonly<Record<string, string>>;
}

/**
 * The room a dispatched job runs in, as the call needs it. Over a LiveKit JobContext in production
 * (`job-room.ts`); tests and the sandbox drive it with replaced audio.
 */
export interface CallRoom {
  readonly name: string;
  /** The dispatch's metadata (JSON): the dialer's call metadata, or an inbound trunk's `{phone_id, tenant_id, number}`. */
  readonly jobMetadata: string;
  /** Resolves with the SIP participant once it is in the room; null if the room closes first. */
  sipParticipant(): Promise<SipParticipant | null>;
  /** Resolves with the participant of this identity once it is in the room (a web call's browser); null if the room closes first. */
  participant(identity: string): Promise<SipParticipant | null>;
  /**
   * Resolves true once the SIP participant's `sip.callStatus` is `active` (the callee picked up; inbound calls
   * arrive active), false if it leaves or the room closes first.
   */
  answered(identity: string): Promise<boolean>;
  /** Called once when the SIP participant leaves (the caller hung up, or the carrier dropped the leg). */
  onLeft(identity: string, cb: () => void): void;
  media(identity: string): CallMedia;
}

export interface LiveKitCallDeps {
  /** The call-state machine's writer (libs/calls `CallTransitions.report`). */
  report(r: CallReport): Promise<unknown>;
  /** Records that this worker's replica runs the call, under the plan's cap (libs/calls `recordMediaReplica`). */
  takeCall(sessionId: string, maxDurationSeconds: number): Promise<void>;
  sink(tenantId: string): CallEventSink;
  vad: VAD;
  plugins(plan: CallPlan): Pick<PluginSet, 'stt' | 'llm' | 'tts'>;
  resolveInboundAgent: InboundAgentResolver;
  /** A SIP-direct call's session, opened by the gateway from LiveKit's webhook: found by room (null if it never appears). */
  findSessionByRoom(roomName: string): Promise<string | null>;
  /** Starts the room's audio recording (LiveKit Egress) when storage is configured; returns where it will be. */
  startRecording?(input: { roomName: string; tenantId: string; sessionId: string }): Promise<{ recordingUrl: string }>;
  /** Ends the call for everyone: deletes the room, which hangs up the SIP leg (no call stays billable). */
  hangUp(roomName: string): Promise<void>;
  logger: Logger;
  usageIntervalMs?: number;
  /** Where the call's turn timings go (in a job process: the worker, over its socket). */
  turns?: TurnObserver;
  /** Aborted when the job must end now (the worker's drain ran out of grace, or LiveKit terminated the job). */
  stop?: AbortSignal;
  /** How long a web call's job waits for the browser to join (default: its token's validity, and a margin). */
  webJoinTimeoutMs?: number;
}

const SHUTDOWN_LINE = 'I am sorry, I have to end this call now. Please call back. Goodbye.';

export type LiveKitCallResult =
  | { kind: 'not_connected' }
  | { kind: 'refused'; reason: string }
  | { kind: 'ended'; sessionId: string; outcome: CallOutcome; recordingUrl?: string };

/**
 * One dispatched job: read the call plan from the dispatch metadata, wait for the SIP participant to be active
 * (never greet a phone that is still ringing), run the VoiceSession on the room's audio, report the end reason to
 * the call-state machine, and hang up by deleting the room whatever happened — a call left in a room keeps
 * billing at the carrier. A callee who never answers is the dialer's to report (it placed the call).
 * A web call has no SIP leg: the browser's participant is the caller, and the call is answered when it joins (one
 * that never joins while its token is good ends `failed`, `not_connected`).
 */
export async function runLiveKitCall(room: CallRoom, deps: LiveKitCallDeps): Promise<LiveKitCallResult> {
  let log = deps.logger.child({ room: room.name });
  try {
    const web = webCallSessionOf(room.jobMetadata);
    const participant = await orStopped(web ? withinMs(room.participant(webCallParticipantIdentity(web)), deps.webJoinTimeoutMs ?? WEB_JOIN_TIMEOUT_MS) : room.sipParticipant(), deps.stop, null);
    if (!participant) {
      if (web) await deps.report({ call: { sessionId: web }, at: new Date(), state: 'failed', endReason: 'not_connected' });
      return { kind: 'not_connected' };
    }
    let plan: CallPlan;
    try {
      plan = await planCall({ metadata: room.jobMetadata, participantAttributes: participant.attributes, resolveInboundAgent: deps.resolveInboundAgent });
    } catch (err) {
      if (!(err instanceof CallPlanError)) throw err;
      log.error({ err: err.message }, 'job metadata is not a call we can run: hanging up');
      const sessionId = participant.attributes[SESSION_ATTRIBUTE] || web;
      if (sessionId) await deps.report({ call: { sessionId }, at: new Date(), state: 'failed', endReason: 'invalid_call_metadata' });
      return { kind: 'refused', reason: err.message };
    }
    const sessionId = plan.sessionId ?? (await deps.findSessionByRoom(room.name));
    if (!sessionId) {
      log.error({ tenant_id: plan.tenantId }, 'no session for this inbound call (is the LiveKit webhook pointed at the gateway?): hanging up');
      return { kind: 'refused', reason: 'no_session' };
    }
    log = log.child({ session_id: sessionId, tenant_id: plan.tenantId, direction: plan.direction });
    // Before the wait for the answer: a replica that dies while the phone rings has this call to end when it restarts.
    await deps.takeCall(sessionId, plan.maxDurationSeconds);
    // The browser in the room is a connected caller: a web call is answered when it joins.
    if (plan.direction === 'web') await deps.report({ call: { sessionId }, at: new Date(), state: 'in_progress' });
    else if (!(await orStopped(room.answered(participant.identity), deps.stop, false))) {
      log.info('the SIP participant left before answering');
      return { kind: 'not_connected' };
    }
    const recordingUrl = plan.voice.recording ? await startRecording(deps, log, room.name, plan.tenantId, sessionId) : undefined;
    const call = new VoiceSession({
      plan,
      sessionId,
      plugins: deps.plugins(plan),
      vad: deps.vad,
      media: room.media(participant.identity),
      sink: deps.sink(plan.tenantId),
      logger: log,
      usageIntervalMs: deps.usageIntervalMs,
      recordingUrl,
      turns: deps.turns,
    });
    room.onLeft(participant.identity, () => call.callerHungUp());
    try {
      await call.start();
    } catch (err) {
      log.error({ err }, 'the call session could not start: hanging up');
      await deps.report({ call: { sessionId }, at: new Date(), state: 'completed', endReason: 'error' });
      return { kind: 'refused', reason: 'session_start_failed' };
    }
    const stop = () => void call.stopForShutdown(SHUTDOWN_LINE, 4_000);
    if (deps.stop?.aborted) stop();
    else deps.stop?.addEventListener('abort', stop, { once: true });
    const outcome = await call.ended;
    // Before the room goes: the agent's own reason (agent_hangup, max_duration) outranks the gateway's `hangup` from LiveKit's webhook.
    await deps.report({ call: { sessionId }, at: new Date(), state: 'completed', endReason: outcome.endReason });
    return { kind: 'ended', sessionId, outcome, recordingUrl };
  } finally {
    await deps.hangUp(room.name).catch((err: unknown) => log.error({ err }, 'could not delete the room: the call may still be up'));
  }
}

/** The browser may join while its token is good; the job waits that long and a little more. */
const WEB_JOIN_TIMEOUT_MS = (WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS + 30) * 1000;

/** A web call's session id, when the dispatch metadata is a web call's. */
function webCallSessionOf(metadata: string): string | null {
  try {
    const raw: unknown = JSON.parse(metadata);
    return isWebCallMetadata(raw) && typeof raw.session_id === 'string' ? raw.session_id : null;
  } catch {
    return null; // planCall says what is wrong with it
  }
}

/** The wait, or null once `ms` have passed. */
function withinMs<T>(wait: Promise<T | null>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([wait, new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ms)))]).finally(() => clearTimeout(timer));
}

/** The wait, or `fallback` as soon as the job is told to stop. */
function orStopped<T>(wait: Promise<T>, stop: AbortSignal | undefined, fallback: T): Promise<T> {
  if (!stop) return wait;
  if (stop.aborted) return Promise.resolve(fallback);
  return Promise.race([wait, new Promise<T>((resolve) => stop.addEventListener('abort', () => resolve(fallback), { once: true }))]);
}

async function startRecording(deps: LiveKitCallDeps, log: Logger, roomName: string, tenantId: string, sessionId: string): Promise<string | undefined> {
  if (!deps.startRecording) {
    log.warn('the agent asks for recording but no recording storage is configured: the call is not recorded');
    return undefined;
  }
  try {
    const { recordingUrl } = await deps.startRecording({ roomName, tenantId, sessionId });
    return recordingUrl;
  } catch (err) {
    // A call is worth more than its recording: go on unrecorded.
    log.error({ err }, 'could not start the recording: the call goes on unrecorded');
    return undefined;
  }
}

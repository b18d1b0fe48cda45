import type { CallReport } from '@callplane/calls';
import { WEB_CALL_CLOSE, type WebCallClose, type WebCallEvent, type WebCallState } from '@callplane/contracts';
import type { voice } from '@livekit/agents';
import type { Logger } from 'pino';
import { PushAudioInput } from '../local/audio-io';
import { FarEndAudio } from '../local/far-end';
import type { CallPlan } from '../session/agent-config';
import { VoiceSession, type CallObserver } from '../session/voice-session';
import type { SandboxCallDeps } from './sandbox-call';
import { PacedPcmOutput } from './web-call-audio';

export interface WebCallSettings {
  /** How far ahead of its playout the agent's audio is sent (the browser's buffer; barge-in stops within about it). */
  audioLeadMs: number;
  /** The most agent audio the socket may hold unsent (its `bufferedAmount`) before the reader counts as stalled. */
  maxBufferedBytes: number;
  /** The most caller audio queued for the recogniser; a client sending faster than real time loses its oldest. */
  maxQueuedInputMs: number;
  /** How late the browser's frames may be before the caller's line is filled with silence (its network's jitter). */
  inputJitterMs: number;
}

export const DEFAULT_WEB_CALL_SETTINGS: WebCallSettings = { audioLeadMs: 200, maxBufferedBytes: 64 * 1024, maxQueuedInputMs: 1_000, inputJitterMs: 60 };

/** The browser's end of a web call as the call needs it; a WebSocket in production (routes/web-call.socket.ts). */
export interface WebCallLink {
  /** One 640-byte frame of the agent's speech. */
  sendAudio(frame: Buffer): void;
  sendEvent(event: WebCallEvent): void;
  /** Closes the link with one of the protocol's codes; `reason` (default the code's own) is the close frame's text. */
  close(close: WebCallClose, reason?: string): void;
}

/** Why the link went away under the call: the browser left, or it was closed for breaking the protocol. */
export type LinkEnd = 'caller_hangup' | typeof WEB_CALL_CLOSE.badFrame.reason | typeof WEB_CALL_CLOSE.textFrame.reason | typeof WEB_CALL_CLOSE.slowReader.reason;

const STATE_OF: Record<voice.AgentState, WebCallState> = { initializing: 'connecting', idle: 'listening', listening: 'listening', thinking: 'thinking', speaking: 'speaking' };
const SHUTDOWN_LINE = 'I am sorry, I have to end this call now. Goodbye.';

/**
 * One sandbox web call, from the moment its browser connected: answered at once (`in_progress`), then the same
 * VoiceSession a phone call runs (the agent's prompt, the local voice stack, Silero VAD, `end_call`, `max_duration`)
 * with the browser's PCM as the caller's audio (FarEndAudio, live: the browser's frames as they arrive, silence only when it stops sending)
 * and the agent's speech paced back to it, the agent's state and the transcript sent as events. It ends when the agent
 * hangs up or hits `max_duration` (an `ended` event, then close 1000), when the builder ends it (`ended_by_user`), when
 * the link goes (the browser left or broke the protocol: the link is already closed), or when the server stops; the
 * end is reported through the call-state machine like any call's.
 */
export class WebCall {
  readonly #deps: SandboxCallDeps;
  readonly #plan: CallPlan;
  readonly #sessionId: string;
  readonly #link: WebCallLink;
  readonly #log: Logger;
  #session: VoiceSession | null = null;
  #far: FarEndAudio | null = null;
  #started = false;
  #finished = false;
  #linkOpen = true;
  /** Set when something other than the session itself ended the call (the link, the builder). */
  #endedBy: string | null = null;
  #state: WebCallState | null = null;

  constructor(deps: SandboxCallDeps, plan: CallPlan, sessionId: string, link: WebCallLink) {
    this.#deps = deps;
    this.#plan = plan;
    this.#sessionId = sessionId;
    this.#link = link;
    this.#log = deps.logger.child({ session_id: sessionId, tenant_id: plan.tenantId, direction: 'web' });
  }

  /** Runs the call to its end and reports the end; resolves once reported. */
  async run(): Promise<void> {
    const deps = this.#deps;
    const report = (r: Omit<CallReport, 'call' | 'at'>) => deps.report({ call: { sessionId: this.#sessionId }, at: new Date(), ...r });
    this.#sendState('connecting');
    await deps.takeCall(this.#sessionId, this.#plan.maxDurationSeconds);
    // Ended by the builder between the token check and now: the session is over, there is no call to run.
    if ((await report({ state: 'in_progress' })).kind !== 'applied') {
      this.#close(WEB_CALL_CLOSE.callOver);
      return;
    }
    // Gone (or ended) before the agent could say a word.
    if (this.#endedBy) return this.#finish(report, this.#endedBy);
    let session: VoiceSession;
    try {
      session = await this.#startSession();
    } catch (err) {
      this.#far?.stop();
      this.#log.error({ err }, 'web call could not start its session');
      this.#close(WEB_CALL_CLOSE.error);
      await report({ state: 'completed', endReason: 'error' });
      return;
    }
    // The link went (or the builder ended the call) while the session was starting.
    if (this.#endedBy) session.callerHungUp();
    const outcome = await session.ended;
    this.#far?.stop();
    await this.#finish(report, this.#endedBy ?? outcome.endReason);
  }

  /** One 640-byte frame of the caller's microphone (16 kHz mono 16-bit LE). */
  callerAudio(frame: Buffer): void {
    const samples = new Int16Array(frame.length / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = frame.readInt16LE(i * 2);
    this.#far?.play(samples);
  }

  /** The link is gone (closed by the browser, or by us for `reason`): nothing more can be heard or said. */
  linkClosed(reason: LinkEnd): void {
    this.#linkOpen = false;
    this.#hangUp(reason);
  }

  /** The builder ended the call (`POST /voice/studio/web-call/{id}/end`): it stops at once, and the browser is told. */
  end(): void {
    this.#hangUp('ended_by_user');
  }

  /** The server is stopping: a short goodbye, then the call ends (`worker_shutdown`, close 1001). */
  async shutdown(): Promise<void> {
    if (this.#started && this.#session) await this.#session.stopForShutdown(SHUTDOWN_LINE, 2_000);
    else this.#hangUp('worker_shutdown');
  }

  /** The browser is told why (if it is still there), then the end is reported. */
  async #finish(report: (r: Omit<CallReport, 'call' | 'at'>) => Promise<unknown>, reason: string): Promise<void> {
    this.#finished = true;
    if (this.#linkOpen) {
      this.#link.sendEvent({ type: 'ended', reason });
      this.#close(reason === 'worker_shutdown' ? WEB_CALL_CLOSE.shutdown : WEB_CALL_CLOSE.ended, reason);
    }
    this.#log.info({ end_reason: reason }, 'web call ended');
    await report({ state: 'completed', endReason: reason });
  }

  async #startSession(): Promise<VoiceSession> {
    const { settings } = this.#deps;
    const { webCall } = settings;
    // The sandbox's voice, as its phone calls have it (sandbox-voice.ts): the recogniser listens for the caller script's lines.
    const voice = this.#deps.voice({ plan: this.#plan, sessionId: this.#sessionId, settings });
    const { plugins } = voice;
    this.#log.info({ stt: plugins.chosen.stt, llm: plugins.chosen.llm, tts: plugins.chosen.tts }, 'web call connected: local voice stack');
    const input = new PushAudioInput();
    this.#far = new FarEndAudio(input, { maxQueuedMs: webCall.maxQueuedInputMs, liveJitterMs: webCall.inputJitterMs });
    const output = new PacedPcmOutput((frame) => this.#linkOpen && this.#link.sendAudio(frame), { leadMs: webCall.audioLeadMs });
    const observer: CallObserver = {
      agentState: (state) => this.#sendState(STATE_OF[state]),
      transcript: ({ role, text, final }) => this.#send({ type: 'transcript', role, text, final }),
    };
    this.#session = new VoiceSession({
      plan: this.#plan,
      sessionId: this.#sessionId,
      plugins,
      vad: voice.vad(await this.#deps.vad()),
      media: { kind: 'replaced', input, output },
      sink: this.#deps.sink(this.#plan.tenantId),
      logger: this.#log,
      usageIntervalMs: settings.usageIntervalMs,
      turns: this.#deps.turns,
      observer,
    });
    this.#far.start();
    await this.#session.start();
    this.#started = true;
    return this.#session;
  }

  #hangUp(reason: string): void {
    if (this.#finished) return;
    this.#endedBy ??= reason;
    if (this.#started) this.#session?.callerHungUp();
  }

  #sendState(state: WebCallState): void {
    if (state === this.#state) return;
    this.#state = state;
    this.#send({ type: 'state', state });
  }

  #send(event: WebCallEvent): void {
    if (this.#linkOpen) this.#link.sendEvent(event);
  }

  #close(close: WebCallClose, reason?: string): void {
    if (!this.#linkOpen) return;
    this.#linkOpen = false;
    this.#link.close(close, reason);
  }
}

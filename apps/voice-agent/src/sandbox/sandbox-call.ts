import type { CallReport, ReportOutcome } from '@callplane/calls';
import { sandboxBehaviour } from '@callplane/contracts';
import type { VAD } from '@livekit/agents';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlayoutAudioOutput, PushAudioInput } from '../local/audio-io';
import { FarEndAudio } from '../local/far-end';
import { CallPlanError, planCall, type CallPlan } from '../session/agent-config';
import { VoiceSession, type CallEventSink } from '../session/voice-session';
import type { TurnObserver } from '../session/turn-metrics';
import { CallerBot, type CallerVoice } from './caller-bot';
import { runLoadCall } from './load-call';
import type { SandboxVoiceStack } from './sandbox-voice';
import { DEFAULT_WEB_CALL_SETTINGS, type WebCallSettings } from './web-call';

export interface SandboxSettings {
  /** How long the never-answering number rings before the 480. */
  ringingTimeoutMs: number;
  /** How long the answering number rings before it picks up. */
  answerAfterMs: number;
  /** What the caller bot says, one line per turn; also the grammar the agent's local recogniser listens for. */
  callerScript: readonly string[];
  /** How the caller bot speaks: `espeak` (real words, recognised by pocketsphinx) or the wordless `synthetic` voice. */
  callerVoice: CallerVoice;
  /** The caller bot hangs up this long after the agent's reply to its last line. */
  callerHangUpAfterMs: number;
  /** Spoken length per character of the synthetic voice (an agent configured with it, a `synthetic` caller). */
  msPerChar: number;
  usageIntervalMs: number;
  /** The browser's web calls (no LiveKit): pacing and the limits that keep a slow or fast client bounded. */
  webCall: WebCallSettings;
}

export const DEFAULT_SANDBOX_SETTINGS: SandboxSettings = {
  ringingTimeoutMs: 20_000,
  answerAfterMs: 1_000,
  callerScript: ['Hi, how much does it cost?', 'Okay, thank you. Goodbye.'],
  callerVoice: 'espeak',
  callerHangUpAfterMs: 1_500,
  msPerChar: 60,
  usageIntervalMs: 30_000,
  webCall: DEFAULT_WEB_CALL_SETTINGS,
};

export interface SandboxCallDeps {
  /** The call-state machine's writer (libs/calls `CallTransitions.report`). */
  report(r: CallReport): Promise<ReportOutcome>;
  /**
   * Records that this replica runs the call, under the plan's cap (libs/calls `recordMediaReplica`): restarted, the
   * replica ends what its previous run left open; the reaper ends it past the cap.
   */
  takeCall(sessionId: string, maxDurationSeconds: number): Promise<void>;
  /** Where the call's transcript and usage go (the outbox). */
  sink(tenantId: string): CallEventSink;
  /** Silero, loaded once per worker on the first answered call. */
  vad(): Promise<VAD>;
  /** Each call's STT, LLM, TTS and VAD (sandbox-voice.ts: the local voice stack and `vad()`'s Silero). */
  voice: SandboxVoiceStack;
  logger: Logger;
  settings: SandboxSettings;
  /** Aborted when the worker stops: calls still ringing end at once (a connected call is let finish). */
  signal: AbortSignal;
  /** The turn metrics (this process's: sandbox calls run in it). */
  turns?: TurnObserver;
}

/**
 * One outbound call on the sandbox carrier (libs/contracts `sandbox.ts`), from the dialer's call metadata: the
 * destination decides the outcome (busy 486, failed 503/404, no answer 480 after ringing, a silent answer on the
 * load range: ./load-call.ts), and the answering number connects a caller bot to the same VoiceSession (AgentSession) a LiveKit call runs, with only the room's
 * audio input and output replaced. Progress is reported through the call-state machine like any carrier's.
 */
export async function runSandboxCall(deps: SandboxCallDeps, metadata: unknown, hungUp: AbortSignal = new AbortController().signal): Promise<void> {
  const sessionId = (metadata as { session_id?: unknown } | null)?.session_id;
  if (typeof sessionId !== 'string') {
    deps.logger.error('sandbox call request without a session id: dropped');
    return;
  }
  const log = deps.logger.child({ session_id: sessionId });
  const report = (r: Omit<CallReport, 'call' | 'at'>) => deps.report({ call: { sessionId }, at: new Date(), ...r });

  let plan: CallPlan;
  try {
    plan = await planCall({ metadata: JSON.stringify(metadata) });
  } catch (err) {
    if (!(err instanceof CallPlanError)) throw err;
    log.error({ err: err.message }, 'sandbox call metadata is invalid');
    await report({ state: 'failed', endReason: 'invalid_call_metadata' });
    return;
  }
  const behaviour = plan.toNumber ? sandboxBehaviour(plan.toNumber) : null;
  if (!behaviour) {
    await report({ state: 'failed', endReason: 'not_a_sandbox_number' });
    return;
  }
  if (behaviour.kind === 'rejects') {
    log.info({ sip_status: behaviour.sipStatus }, 'sandbox callee rejected the call');
    await report({ state: behaviour.state, sipStatus: behaviour.sipStatus, endReason: behaviour.state });
    return;
  }
  await deps.takeCall(sessionId, plan.maxDurationSeconds);
  if (behaviour.kind === 'load') {
    await runLoadCall({ report, sink: deps.sink(plan.tenantId), logger: log, signal: deps.signal }, { sessionId, behaviour, maxDurationSeconds: plan.maxDurationSeconds });
    return;
  }
  await report({ state: 'ringing' });
  // Hung up by the dialer while ringing: it has recorded the end itself, so there is nothing left to report.
  const ringing = AbortSignal.any([deps.signal, hungUp]);
  if (behaviour.kind === 'never_answers') {
    await sleep(deps.settings.ringingTimeoutMs, undefined, { signal: ringing }).catch(() => undefined);
    if (!hungUp.aborted) await report({ state: 'no_answer', sipStatus: behaviour.sipStatus, endReason: 'no_answer' });
    return;
  }
  const stillRinging = await sleep(deps.settings.answerAfterMs, true, { signal: ringing }).catch(() => false);
  if (!stillRinging) {
    if (!hungUp.aborted) await report({ state: 'canceled', endReason: 'worker_shutdown' });
    return;
  }
  await connect(deps, plan, sessionId, log, report, hungUp);
}

/**
 * An inbound call on the sandbox carrier, already opened (`call.initiating`) for the number's agent: the worker
 * answers at once, as LiveKit's SIP trunk would, and the caller bot plays the caller who dialled in.
 */
export async function answerSandboxInbound(deps: SandboxCallDeps, plan: CallPlan, sessionId: string): Promise<void> {
  const log = deps.logger.child({ session_id: sessionId, direction: 'inbound' });
  const report = (r: Omit<CallReport, 'call' | 'at'>) => deps.report({ call: { sessionId }, at: new Date(), ...r });
  await deps.takeCall(sessionId, plan.maxDurationSeconds);
  await connect(deps, plan, sessionId, log, report);
}

async function connect(
  deps: SandboxCallDeps,
  plan: CallPlan,
  sessionId: string,
  log: Logger,
  report: (r: Omit<CallReport, 'call' | 'at'>) => Promise<unknown>,
  hungUp: AbortSignal = new AbortController().signal,
): Promise<void> {
  const { settings } = deps;
  let call: VoiceSession;
  let bot: CallerBot | undefined;
  let answered = false;
  try {
    // The sandbox's voice (sandbox-voice.ts): the local voice stack, with no vendor keys.
    const voice = deps.voice({ plan, sessionId, settings });
    const { plugins } = voice;
    log.info({ stt: plugins.chosen.stt, llm: plugins.chosen.llm, tts: plugins.chosen.tts, caller_voice: settings.callerVoice }, 'sandbox call answered: local voice stack');
    const input = new PushAudioInput();
    const output = new PlayoutAudioOutput(24_000);
    call = new VoiceSession({ plan, sessionId, plugins, vad: voice.vad(await deps.vad()), media: { kind: 'replaced', input, output }, sink: deps.sink(plan.tenantId), logger: log, usageIntervalMs: settings.usageIntervalMs, turns: deps.turns });
    const caller = new CallerBot(new FarEndAudio(input), output, {
      lines: settings.callerScript,
      voice: settings.callerVoice,
      msPerChar: settings.msPerChar,
      hangUpAfterMs: settings.callerHangUpAfterMs,
      onSpeechError: (err, line) => log.warn({ err, line }, 'espeak-ng could not render the caller line: spoken in the synthetic voice'),
    });
    bot = caller;
    await report({ state: 'in_progress', sipStatus: 200 });
    answered = true;
    // The caller's line opens with the answer; the agent's greeting follows once the session runs.
    caller.start(() => call.callerHungUp());
    void call.ended.finally(() => caller.stop());
    // The dialer hung up (End Call, its watchdog): the line drops, as when LiveKit deletes a call's room.
    if (hungUp.aborted) call.callerHungUp();
    else hungUp.addEventListener('abort', () => call.callerHungUp(), { once: true });
    await call.start();
  } catch (err) {
    bot?.stop();
    log.error({ err }, 'sandbox call could not start its session');
    await report(answered ? { state: 'completed', endReason: 'error' } : { state: 'failed', endReason: 'error' });
    return;
  }
  const outcome = await call.ended;
  await report({ state: 'completed', endReason: outcome.endReason });
}

import type { CallReport } from '@callplane/calls';
import type { SandboxBehaviour } from '@callplane/contracts';
import type { Logger } from 'pino';
import { setTimeout as sleep } from 'node:timers/promises';
import type { CallEventSink } from '../session/voice-session';

export interface LoadCallDeps {
  report(r: Omit<CallReport, 'call' | 'at'>): Promise<unknown>;
  sink: CallEventSink;
  logger: Logger;
  /** Aborted when the worker stops: a call still ringing ends at once, an answered one is let finish. */
  signal: AbortSignal;
}

export interface LoadCall {
  sessionId: string;
  behaviour: Extract<SandboxBehaviour, { kind: 'load' }>;
  /** The agent's cap: a hold longer than this ends at the cap, as a real call would (`max_duration`). */
  maxDurationSeconds: number;
}

/**
 * A call to the sandbox load range: it rings, answers, stays silent and hangs up, through the call-state machine
 * like any call, and nothing else. No VoiceSession, no VAD, no STT/TTS/LLM, no caller bot, no audio buffers: a
 * call is two timers and a few reports, so thousands at once cost little (campaigns and load runs on a laptop).
 * It ends with the usage report every answered call sends, with nothing in it: no model ran.
 */
export async function runLoadCall(deps: LoadCallDeps, call: LoadCall): Promise<void> {
  const { behaviour } = call;
  await deps.report({ state: 'ringing' });
  const stillRinging = await sleep(behaviour.ringMs, true, { signal: deps.signal }).catch(() => false);
  if (!stillRinging) {
    await deps.report({ state: 'canceled', endReason: 'worker_shutdown' });
    return;
  }
  await deps.report({ state: 'in_progress', sipStatus: 200 });
  const capped = behaviour.holdSeconds > call.maxDurationSeconds;
  // Not tied to the stop signal: like a connected call on the voice stack, an answered load call is let finish.
  await sleep(Math.min(behaviour.holdSeconds, call.maxDurationSeconds) * 1000);
  await deps.sink.usage({ session_id: call.sessionId, report_seq: 1, llm: [], tts: [], stt: [] });
  await deps.report({ state: 'completed', endReason: capped ? 'max_duration' : 'caller_hangup' });
  deps.logger.debug({ session_id: call.sessionId, hold_seconds: behaviour.holdSeconds }, 'sandbox load call ended');
}

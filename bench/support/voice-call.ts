/**
 * One bench call for the voice bench, shared by its two models (all calls in the bench's process, or each call in its
 * own child process, voice-session.process.ts): the real VoiceSession with the fixed-latency stand-ins, the far end
 * feeding it synthetic voice, and the probes that timestamp each turn.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { VADEventType, type llm, type stt, type tts, type VAD, type VADEvent, type VADStream } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import type { AudioFrame } from '@livekit/rtc-node';
import pino from 'pino';
import { PlayoutAudioOutput, PushAudioInput } from '../../apps/voice-agent/src/local/audio-io';
import { FarEndAudio } from '../../apps/voice-agent/src/local/far-end';
import type { CallPlan } from '../../apps/voice-agent/src/session/agent-config';
import { loadCallVad } from '../../apps/voice-agent/src/session/vad/load-call-vad';
import { VoiceSession, type CallEventSink } from '../../apps/voice-agent/src/session/voice-session';
import { FixedLatencyLLM, FixedLatencySTT, FixedLatencyTTS } from './fixed-latency-stand-ins';
import { StreamingCallerSTT } from './streaming-caller-stt';
import { CALLER_LINE, callerLine } from './caller-line';

/** As the sandbox media plane and the worker's job prewarm load it (apps/voice-agent/src/worker/job.ts). */
export const VAD_SILENCE_MS = 400;
/** @livekit/agents' default endpointing minDelay for VAD turn detection (VoiceSession does not change it). */
export const ENDPOINTING_MIN_DELAY_MS = 500;
export const REPLY = 'It is ten dollars.';
export const GREETING = 'Hi, Ava here.';
export const MS_PER_CHAR = 20;
const TURN_TIMEOUT_MS = 15_000;

/** The stand-ins' fixed latencies, ms. */
export interface Latency {
  stt: number;
  llm: number;
  tts: number;
}

export type SttMode = 'streaming' | 'batch';

export interface TurnSample {
  /** VAD end of speech → first reply frame at the output. */
  totalMs: number;
  /** The far end's last speech frame → the VAD's end of speech. */
  vadMs: number;
  /** The silence (+ inference time) the VAD reports with its end of speech. */
  vadSilenceMs: number;
}

/** What the calls of one level collect (shared by all calls in a process). */
export interface RunOut {
  samples: TurnSample[];
  missed: number;
  errors: string[];
  vadStreamsPerSession: number;
}

export interface CallSettings {
  latency: Latency;
  sttMode: SttMode;
  /** Measured caller turns, after one warm-up turn. */
  turns: number;
  /** The far end's frame length, ms (rtc-node's AudioStream, which RoomIO reads the caller with, yields 10 ms frames). */
  frameMs: number;
  vad: VadKind;
}

export const progress = (msg: string) => process.stderr.write(`· ${msg}\n`);
export const mb = (bytes: number) => bytes / 1024 / 1024;

/** A forced GC: a heap figure means nothing without collecting first, and tsx does not pass --expose-gc through. */
export const forcedGc: () => void = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

/** Which Silero VAD the calls share: the voice agent's (inference batched on a thread of its own), or the plugin's. */
export type VadKind = 'batched' | 'plugin';

/**
 * Silero as the worker's job prewarm loads it (loadCallVad; `plugin`: @livekit/agents-plugin-silero's VAD, as it was
 * before), and the synthetic voice made before any call needs it.
 */
export async function loadVad(kind: VadKind): Promise<VAD> {
  const vad = kind === 'batched' ? await loadCallVad() : await silero.VAD.load({ minSilenceDuration: VAD_SILENCE_MS });
  const probe = new FixedLatencyTTS(0, MS_PER_CHAR);
  for (const text of [GREETING, REPLY]) probe.samples(text);
  return vad;
}

/**
 * The shared Silero VAD, seen through a per-session view that counts the streams the session opens and timestamps
 * every END_OF_SPEECH they hand to it (turn detection's, and with a batch STT the StreamAdapter's too; the first one
 * after a turn's speech counts). A Proxy rather than a subclass: Silero keeps its options in private fields, and
 * VoiceSession's close guard patches `stream` on the object it is given, which must not be the shared one.
 */
export function vadView(
  vad: VAD,
  onEndOfSpeech: (at: number, silenceMs: number) => void,
  onStream: () => void,
  onVoicedFrame?: (at: number) => void,
  onStartOfSpeech?: (at: number) => void,
): VAD {
  const own: Record<PropertyKey, unknown> = {
    stream: (): VADStream => {
      onStream();
      const stream = vad.stream();
      if (onVoicedFrame) {
        // AgentSession hands its VAD stream the caller's audio as a ReadableStream: each voiced frame is timestamped on its way in.
        const updateInputStream = stream.updateInputStream.bind(stream);
        stream.updateInputStream = (audio) =>
          updateInputStream(
            audio.pipeThrough(
              new TransformStream<AudioFrame, AudioFrame>({
                transform(frame, out) {
                  if (frame.data.some((x) => x !== 0)) onVoicedFrame(performance.now());
                  out.enqueue(frame);
                },
              }),
            ),
          );
      }
      const next = stream.next.bind(stream);
      stream.next = async (): Promise<IteratorResult<VADEvent>> => {
        const r = await next();
        if (!r.done && r.value.type === VADEventType.END_OF_SPEECH) onEndOfSpeech(performance.now(), r.value.silenceDuration + r.value.inferenceDuration);
        if (!r.done && r.value.type === VADEventType.START_OF_SPEECH) onStartOfSpeech?.(performance.now());
        return r;
      };
      return stream;
    },
  };
  return new Proxy(vad, {
    get(target, prop) {
      if (prop in own) return own[prop];
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
    set(_target, prop, value) {
      own[prop] = value;
      return true;
    },
  });
}

/** The session's output with the arrival time of each segment's first frame. */
class TimedOutput extends PlayoutAudioOutput {
  readonly firstFrameAt: number[] = [];

  override async captureFrame(frame: Parameters<PlayoutAudioOutput['captureFrame']>[0]): Promise<void> {
    const at = performance.now();
    const before = this.segments.length;
    await super.captureFrame(frame);
    if (this.segments.length > before) this.firstFrameAt.push(at);
  }
}

const noSink: CallEventSink = { transcript: () => undefined, usage: () => undefined };
const silent = pino({ level: 'silent' });

function plan(i: number): CallPlan {
  const voiceConfig = { greeting: GREETING, tts: { provider: 'local', model: 'synthetic', voice: 'default' }, stt: { provider: 'local', model: 'scripted', language: 'en' }, max_duration: 3600, recording: false, transcription: true };
  return {
    sessionId: `sess_bench_${i}`,
    tenantId: 'ten_bench',
    direction: 'inbound',
    callType: 'production',
    agent: { id: 'agt_bench', name: 'Ava' },
    instructions: 'You are Ava.',
    greeting: GREETING,
    voice: voiceConfig as CallPlan['voice'],
    context: {},
    maxDurationSeconds: 3600,
    fromNumber: '+14155550100',
    toNumber: '+14155550199',
    phoneId: null,
  };
}

export async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = TURN_TIMEOUT_MS): Promise<T> {
  const started = performance.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** The three stand-ins of fixed latency for one call; `onFinal` is told when the streaming STT emits a final transcript. */
export function standInPlugins(s: Pick<CallSettings, 'latency' | 'sttMode'>, onFinal?: (at: number) => void): { stt: stt.STT; llm: llm.LLM; tts: tts.TTS } {
  return {
    stt: s.sttMode === 'batch' ? new FixedLatencySTT(s.latency.stt, CALLER_LINE) : new StreamingCallerSTT({ latencyMs: s.latency.stt, line: CALLER_LINE, ...(onFinal ? { onFinal } : {}) }),
    llm: new FixedLatencyLLM(s.latency.llm, REPLY),
    tts: new FixedLatencyTTS(s.latency.tts, MS_PER_CHAR),
  };
}

/**
 * Starts `n` calls over up to a second, as calls arrive rather than all in one tick (pacing, not synchronisation);
 * resolves once all have started, with each call's promise.
 */
export async function startArriving(n: number, start: (i: number) => Promise<void>): Promise<Array<Promise<void>>> {
  const calls: Array<Promise<void>> = [];
  for (let i = 0; i < n; i++) {
    calls.push(start(i));
    if (n > 1) await sleep(Math.min(20, 1_000 / n));
  }
  return calls;
}

/**
 * One call: greeting, then `1 + turns` caller turns (the first a warm-up, not measured), each waiting for the reply to
 * be played out and a short pause (jittered so sessions drift apart). `warmedUp` is awaited once, after the warm-up
 * turn (or when the call breaks before it): the process model holds every call there until all are warm.
 */
export async function runCall(i: number, vad: VAD, s: CallSettings, warmedUp: () => void | Promise<void>, out: RunOut): Promise<void> {
  const input = new PushAudioInput();
  const output = new TimedOutput(24_000);
  const endOfSpeech: Array<{ at: number; silenceMs: number }> = [];
  const finals: number[] = [];
  const startsOfSpeech: number[] = [];
  let vadStreams = 0;
  let lastSpeechFrameAt = 0;
  const push = input.push.bind(input);
  input.push = (frame) => {
    if ((frame.data as Int16Array).some((x) => x !== 0)) lastSpeechFrameAt = performance.now();
    push(frame);
  };
  const call = new VoiceSession({
    plan: plan(i),
    sessionId: `sess_bench_${i}`,
    plugins: standInPlugins(s, (at) => finals.push(at)),
    vad: vadView(
      vad,
      (at, silenceMs) => endOfSpeech.push({ at, silenceMs }),
      () => (out.vadStreamsPerSession = Math.max(out.vadStreamsPerSession, ++vadStreams)),
      undefined,
      (at) => startsOfSpeech.push(at),
    ),
    media: { kind: 'replaced', input, output },
    sink: noSink,
    logger: silent,
    usageIntervalMs: 3_600_000,
  });
  const line = await callerLine();
  const far = new FarEndAudio(input, { frameMs: s.frameMs });
  let warm = false;
  try {
    far.start();
    await call.start();
    await waitFor(() => output.segments[0]?.finishedAt, 'the greeting to play out');
    for (let t = 0; t < s.turns + 1; t++) {
      const replyIndex = output.segments.length;
      const spokeAt = performance.now();
      far.play(line);
      try {
        const frameAt = await waitFor(() => output.firstFrameAt[replyIndex], 'the reply');
        const end = endOfSpeech.find(({ at }) => at > spokeAt);
        if (end === undefined) {
          // Two different faults: the VAD heard the line but had not ended it, or never heard it at all (the agent
          // then answered the final transcript, as AudioRecognition does when the VAD is not speaking).
          if (!startsOfSpeech.some((at) => at > spokeAt)) throw new Error('the VAD heard no speech in the line: the reply came on the final transcript');
          throw new Error('no end of speech from the VAD before the reply');
        }
        const eos = end.at;
        if (t > 0) out.samples.push({ totalMs: frameAt - eos, vadMs: eos - lastSpeechFrameAt, vadSilenceMs: end.silenceMs });
        if (process.env.BENCH_DEBUG) {
          const final = finals.find((at) => at > spokeAt);
          const sttLine = final === undefined ? '' : ` lastSpeech→stt final ${(final - lastSpeechFrameAt).toFixed(0)}`;
          progress(`turn ${t}: spoke→eos ${(eos - spokeAt).toFixed(0)} lastSpeech→eos ${(eos - lastSpeechFrameAt).toFixed(0)}${sttLine} eos→frame ${(frameAt - eos).toFixed(0)} vad silence ${end.silenceMs.toFixed(0)}`);
        }
        await waitFor(() => output.segments[replyIndex]?.finishedAt, 'the reply to play out');
      } catch (err) {
        if (t > 0) out.missed++;
        out.errors.push(err instanceof Error ? err.message : String(err));
        // Let whatever is late settle before the next turn, so it is not taken for that turn's reply.
        await sleep(2_000);
      }
      if (!warm) {
        warm = true;
        await warmedUp();
      }
      await sleep(200 + Math.random() * 400);
    }
  } finally {
    if (!warm) await warmedUp();
    far.stop();
    call.callerHungUp();
    await call.ended;
  }
}

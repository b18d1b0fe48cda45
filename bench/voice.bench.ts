/**
 * The voice agent's own latency and memory: N concurrent CallSessions in this process (one worker), real audio
 * frames through AgentSession and Silero VAD, STT/LLM/TTS stand-ins of fixed latency. Per caller turn: the VAD's
 * end of speech → the reply's first audio frame at the session's output, minus the stand-ins' latencies (our
 * overhead); per session: RSS and heap at 1, 10 and 50 concurrent sessions. See bench/README.md.
 *
 *   npm run bench:voice                 print the figures (exit 0 unless the bench itself breaks)
 *   npm run bench:voice -- --check      also exit 1 when a goal is missed
 *   npm run bench:voice -- --quick      fewer turns, to check the bench works (figures are noisy)
 *   options: --stt <ms> (100), --llm <ms> (200, time to first token), --tts <ms> (80, first chunk),
 *            --turns <n> measured caller turns per session (8), --sessions <n> (largest level, 50)
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DEFAULT_API_CONNECT_OPTIONS, initializeLogger, llm, tts, VADEventType, type APIConnectOptions, type AudioBuffer, type stt, type VAD, type VADEvent, type VADStream } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import pino from 'pino';
import { PlayoutAudioOutput, PushAudioInput } from '../apps/voice-agent/src/local/audio-io';
import { FarEndAudio } from '../apps/voice-agent/src/local/far-end';
import { ScriptedCallerSTT } from '../apps/voice-agent/src/local/scripted-stt';
import { SyntheticVoiceTTS, toFrames, voiceSamples } from '../apps/voice-agent/src/local/synthetic-voice';
import type { CallPlan } from '../apps/voice-agent/src/session/agent-config';
import { CallSession, type CallEventSink } from '../apps/voice-agent/src/session/call-session';
import { benchArgs } from './support/args';
import { verdict } from './support/report';

const { flag, option } = benchArgs();
const QUICK = flag('quick');
/** The stand-ins' fixed latencies, ms. */
const LATENCY = { stt: optionOrZero('stt', 100), llm: optionOrZero('llm', 200), tts: optionOrZero('tts', 80) };
const TURNS = QUICK ? 2 : option('turns', 8);
const MAX_SESSIONS = option('sessions', 50);
const LEVELS = [...new Set([1, 10, MAX_SESSIONS].filter((n) => n <= MAX_SESSIONS))];
const GOALS = { overheadP50Ms: 20, sessions: 50 };
/** As the sandbox media plane loads it (apps/voice-agent/src/sandbox/sandbox-media-plane.ts). */
const VAD_SILENCE_MS = 400;
/** @livekit/agents' default endpointing minDelay for VAD turn detection (CallSession does not change it). */
const ENDPOINTING_MIN_DELAY_MS = 500;
const SPEECH_MS = 800;
const REPLY = 'It is ten dollars.';
const GREETING = 'Hi, Ava here.';
const MS_PER_CHAR = 20;
const TURN_TIMEOUT_MS = 15_000;

function optionOrZero(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && Number(process.argv[i + 1]) === 0) return 0;
  return option(name, fallback);
}

const progress = (msg: string) => process.stderr.write(`· ${msg}\n`);

// A heap figure per session means nothing without collecting first; tsx does not pass --expose-gc through.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The part of the framework's wait after end of speech that is configuration, not overhead: endpointing holds the
 * turn until minDelay after the last speaking time, which the framework takes as the VAD's end of speech minus the
 * silence (and inference time) the VAD reports with it; only what is left after the STT's latency is a wait.
 * 0 with the default stand-ins (STT ≥ 100 ms).
 */
const endpointingHold = (vadSilenceMs: number, sttMs: number) => Math.max(0, ENDPOINTING_MIN_DELAY_MS - vadSilenceMs - sttMs);

// ---------------------------------------------------------------------------------------------------------------
// Stand-ins of fixed latency (the local ones, delayed). Sleeps belong here, never in tests.

class FixedLatencySTT extends ScriptedCallerSTT {
  constructor(readonly latencyMs: number) {
    // One line per turn, and spares: the scripted recogniser returns nothing once its script runs out.
    super(Array.from({ length: 1_000 }, () => 'How much does it cost?'));
  }

  protected override async _recognize(audio: AudioBuffer): Promise<stt.SpeechEvent> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return super._recognize(audio);
  }
}

class FixedLatencyLLM extends llm.LLM {
  constructor(readonly ttftMs: number) {
    super();
  }

  label(): string {
    return 'bench.FixedLatencyLLM';
  }

  override get provider(): string {
    return 'bench';
  }

  override get model(): string {
    return 'fixed-latency';
  }

  chat({ chatCtx, toolCtx, connOptions = DEFAULT_API_CONNECT_OPTIONS }: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions?: APIConnectOptions }): llm.LLMStream {
    return new FixedLatencyLLMStream(this, this.ttftMs, { chatCtx, toolCtx, connOptions });
  }
}

class FixedLatencyLLMStream extends llm.LLMStream {
  readonly #ttftMs: number;

  constructor(owner: llm.LLM, ttftMs: number, opts: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions: APIConnectOptions }) {
    super(owner, opts);
    this.#ttftMs = ttftMs;
  }

  protected async run(): Promise<void> {
    const last = this.chatCtx.items[this.chatCtx.items.length - 1];
    if (!last || last.type !== 'message' || last.role !== 'user') return;
    if (this.#ttftMs > 0) await sleep(this.#ttftMs);
    const id = `bench_${performance.now()}`;
    this.queue.put({ id, delta: { role: 'assistant', content: REPLY } });
    this.queue.put({ id, usage: { promptTokens: 20, completionTokens: 5, promptCachedTokens: 0, totalTokens: 25 } });
  }
}

/** Synthetic voice made once per text for the whole run, so the stand-in's own CPU (not ours) stays out of the measurement. */
const VOICE_CACHE = new Map<string, Int16Array>();

/** The synthetic voice after a fixed time to first chunk. */
class FixedLatencyTTS extends SyntheticVoiceTTS {
  constructor(readonly firstChunkMs: number) {
    super({ msPerChar: MS_PER_CHAR });
  }

  samples(text: string): Int16Array {
    let s = VOICE_CACHE.get(text);
    if (!s) VOICE_CACHE.set(text, (s = voiceSamples(text.length * this.msPerChar, this.sampleRate)));
    return s;
  }

  override synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    return new FixedLatencyChunkedStream(text, this, connOptions, abortSignal);
  }
}

class FixedLatencyChunkedStream extends tts.ChunkedStream {
  label = 'bench.FixedLatencyChunkedStream';
  readonly #voice: FixedLatencyTTS;

  constructor(text: string, voice: FixedLatencyTTS, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, voice, connOptions, abortSignal);
    this.#voice = voice;
  }

  protected async run(): Promise<void> {
    const text = this.inputText.trim();
    if (!text) return;
    if (this.#voice.firstChunkMs > 0) await sleep(this.#voice.firstChunkMs);
    const frames = toFrames(this.#voice.samples(text), this.#voice.sampleRate, 20);
    const requestId = `bench_${performance.now()}`;
    frames.forEach((frame, i) => this.queue.put({ requestId, segmentId: requestId, frame, final: i === frames.length - 1, deltaText: i === 0 ? text : undefined }));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Probes: when the VAD says the caller stopped, and when the agent's first frame reaches the output.

/**
 * The shared Silero VAD, seen through a per-session view that timestamps every END_OF_SPEECH its streams hand to
 * the session (AgentSession runs two: turn detection and the STT adapter; the first one after a turn's speech counts).
 * A Proxy rather than a subclass: Silero keeps its options in private fields, and CallSession's close guard patches
 * `stream` on the object it is given, which must not be the shared one.
 */
function vadView(vad: VAD, onEndOfSpeech: (at: number, silenceMs: number) => void): VAD {
  const own: Record<PropertyKey, unknown> = {
    stream: (): VADStream => {
      const stream = vad.stream();
      const next = stream.next.bind(stream);
      stream.next = async (): Promise<IteratorResult<VADEvent>> => {
        const r = await next();
        if (!r.done && r.value.type === VADEventType.END_OF_SPEECH) onEndOfSpeech(performance.now(), r.value.silenceDuration + r.value.inferenceDuration);
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

async function waitFor<T>(probe: () => T | undefined | false, what: string, timeoutMs = TURN_TIMEOUT_MS): Promise<T> {
  const started = performance.now();
  for (;;) {
    const v = probe();
    if (v) return v;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

interface TurnSample {
  /** VAD end of speech → first reply frame at the output. */
  totalMs: number;
  /** The far end's last speech frame → the VAD's end of speech. */
  vadMs: number;
  /** The silence (+ inference time) the VAD reports with its end of speech. */
  vadSilenceMs: number;
}

interface PhaseResult {
  label: string;
  sessions: number;
  samples: TurnSample[];
  missed: number;
  latency: typeof LATENCY;
  rssPerSessionMb?: number;
  heapPerSessionMb?: number;
  loopDelayP99Ms: number;
  cpuShare: number;
  firstError?: string;
}

const speech = voiceSamples(SPEECH_MS, 16_000);

/**
 * One call: greeting, then `warmupTurns + turns` caller turns, each waiting for the reply to be played out and a
 * short pause (jittered so sessions drift apart). `warmedUp` resolves after the warm-up turns.
 */
async function runCall(i: number, vad: VAD, latency: typeof LATENCY, turns: number, warmedUp: () => void, out: { samples: TurnSample[]; missed: number; errors: string[] }) {
  const input = new PushAudioInput();
  const output = new TimedOutput(24_000);
  const endOfSpeech: Array<{ at: number; silenceMs: number }> = [];
  let lastSpeechFrameAt = 0;
  const push = input.push.bind(input);
  input.push = (frame) => {
    if ((frame.data as Int16Array).some((s) => s !== 0)) lastSpeechFrameAt = performance.now();
    push(frame);
  };
  const call = new CallSession({
    plan: plan(i),
    sessionId: `sess_bench_${i}`,
    plugins: { stt: new FixedLatencySTT(latency.stt), llm: new FixedLatencyLLM(latency.llm), tts: new FixedLatencyTTS(latency.tts) },
    vad: vadView(vad, (at, silenceMs) => endOfSpeech.push({ at, silenceMs })),
    media: { kind: 'replaced', input, output },
    sink: noSink,
    logger: silent,
    usageIntervalMs: 3_600_000,
  });
  const far = new FarEndAudio(input);
  let warm = false;
  try {
    far.start();
    await call.start();
    await waitFor(() => output.segments[0]?.finishedAt, 'the greeting to play out');
    for (let t = 0; t < turns + 1; t++) {
      const replyIndex = output.segments.length;
      const spokeAt = performance.now();
      far.play(speech);
      try {
        const frameAt = await waitFor(() => output.firstFrameAt[replyIndex], 'the reply');
        const end = endOfSpeech.find(({ at }) => at > spokeAt);
        if (end === undefined) throw new Error('no end of speech from the VAD before the reply');
        const eos = end.at;
        if (t > 0) out.samples.push({ totalMs: frameAt - eos, vadMs: eos - lastSpeechFrameAt, vadSilenceMs: end.silenceMs });
        if (process.env.BENCH_DEBUG) progress(`turn ${t}: spoke→eos ${(eos - spokeAt).toFixed(0)} lastSpeech→eos ${(eos - lastSpeechFrameAt).toFixed(0)} eos→frame ${(frameAt - eos).toFixed(0)} vad silence ${end.silenceMs.toFixed(0)}`);
        await waitFor(() => output.segments[replyIndex]?.finishedAt, 'the reply to play out');
      } catch (err) {
        if (t > 0) out.missed++;
        out.errors.push(err instanceof Error ? err.message : String(err));
        // Let whatever is late settle before the next turn, so it is not taken for that turn's reply.
        await sleep(2_000);
      }
      if (!warm) {
        warm = true;
        warmedUp();
      }
      await sleep(200 + Math.random() * 400);
    }
  } finally {
    if (!warm) warmedUp();
    far.stop();
    call.callerHungUp();
    await call.ended;
  }
}

const mb = (bytes: number) => bytes / 1024 / 1024;

async function phase(label: string, vad: VAD, sessions: number, latency: typeof LATENCY, opts: { memory: boolean }): Promise<PhaseResult> {
  progress(`${label}: ${sessions} session${sessions > 1 ? 's' : ''}, ${TURNS} measured turns each`);
  gc();
  await sleep(200);
  gc();
  const idle = process.memoryUsage();
  const out = { samples: [] as TurnSample[], missed: 0, errors: [] as string[] };
  let warmed = 0;
  let allWarm!: () => void;
  const warmBarrier = new Promise<void>((r) => (allWarm = r));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const calls: Promise<void>[] = [];
  // Start the calls over up to a second, as calls arrive, not all in the same tick.
  for (let i = 0; i < sessions; i++) {
    calls.push(
      runCall(i, vad, latency, TURNS, () => ++warmed === sessions && allWarm(), out).catch((err: unknown) => {
        out.errors.push(err instanceof Error ? err.message : String(err));
      }),
    );
    if (sessions > 1) await sleep(Math.min(20, 1_000 / sessions));
  }
  let memory: { rss: number; heap: number } | undefined;
  if (opts.memory) {
    await warmBarrier;
    gc();
    const m = process.memoryUsage();
    memory = { rss: mb(m.rss - idle.rss) / sessions, heap: mb(m.heapUsed + m.external - idle.heapUsed - idle.external) / sessions };
  }
  await Promise.all(calls);
  loop.disable();
  const used = process.cpuUsage(cpu);
  return {
    label,
    sessions,
    samples: out.samples,
    missed: out.missed + (sessions * TURNS - out.samples.length - out.missed),
    latency,
    rssPerSessionMb: memory?.rss,
    heapPerSessionMb: memory?.heap,
    loopDelayP99Ms: loop.percentile(99) / 1e6,
    cpuShare: (used.user + used.system) / 1000 / (performance.now() - wall),
    firstError: out.errors[0],
  };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

const num = (v: number | undefined, digits: number) => (v !== undefined && Number.isFinite(v) ? v.toFixed(digits) : '—');

const standIns = (l: typeof LATENCY) => l.stt + l.llm + l.tts;

function overhead(r: PhaseResult) {
  const sort = (xs: number[]) => xs.sort((a, b) => a - b);
  const holds = sort(r.samples.map((s) => endpointingHold(s.vadSilenceMs, r.latency.stt)));
  const sorted = sort(r.samples.map((s) => s.totalMs - standIns(r.latency) - endpointingHold(s.vadSilenceMs, r.latency.stt)));
  const total = sort(r.samples.map((s) => s.totalMs));
  const vad = sort(r.samples.map((s) => s.vadMs));
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? Number.NaN, totalP50: percentile(total, 50), vadP50: percentile(vad, 50), holdP50: percentile(holds, 50) };
}

function formatTable(results: PhaseResult[]): string {
  const width = Math.max(...results.map((r) => r.label.length)) + 2;
  const cols: Array<[string, number]> = [
    ['sessions', 9], ['turns', 7], ['missed', 7], ['e2e p50', 9], ['− stand-ins', 12], ['− hold p50', 12], ['overhead p50', 13], ['p99', 7], ['max', 7], ['rss MB/sess', 12], ['heap MB/sess', 13], ['loop p99', 9], ['cpu', 6],
  ];
  const head = ''.padEnd(width) + cols.map(([h, w]) => h.padStart(w)).join('');
  const lines = results.map((r) => {
    const o = overhead(r);
    const cells = [
      String(r.sessions), String(r.samples.length), String(r.missed), num(o.totalP50, 1), String(standIns(r.latency)), num(o.holdP50, 1), num(o.p50, 1), num(o.p99, 1), num(o.max, 1),
      num(r.rssPerSessionMb, 2), num(r.heapPerSessionMb, 2), num(r.loopDelayP99Ms, 1), `${Math.round(r.cpuShare * 100)}%`,
    ];
    return r.label.padEnd(width) + cells.map((c, i) => c.padStart(cols[i]![1])).join('');
  });
  return [head, ...lines].join('\n');
}

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0]!;
  initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' });
  const vad = await silero.VAD.load({ minSilenceDuration: VAD_SILENCE_MS });
  // Every session's activity listens on the shared VAD; more than 10 sessions is the point here, not a leak.
  vad.setMaxListeners(MAX_SESSIONS * 4 + 10);
  const probe = new FixedLatencyTTS(0);
  for (const text of [GREETING, REPLY]) probe.samples(text);
  try {
    // Loads every module and warms the JIT, so the first measured phase does not pay for it.
    progress('warm-up call');
    const warmup = await phase('warm-up', vad, 1, LATENCY, { memory: false });
    if (warmup.samples.length === 0) throw new Error(`the warm-up call answered no turn: ${warmup.firstError ?? 'no error recorded'}`);
    const zero = { stt: 0, llm: 0, tts: 0 };
    const results: PhaseResult[] = [await phase('baseline: zero-latency stand-ins', vad, 1, zero, { memory: false })];
    for (const n of LEVELS) results.push(await phase(`fixed-latency stand-ins`, vad, n, LATENCY, { memory: true }));

    const baseline = overhead(results[0]!);
    const one = overhead(results[1]!);
    const top = results[results.length - 1]!;
    const topOverhead = overhead(top);
    const latencyMet = one.p50 <= GOALS.overheadP50Ms && results[1]!.missed === 0;
    const sessionsMet = top.sessions >= GOALS.sessions && top.missed === 0 && topOverhead.p50 <= GOALS.overheadP50Ms;

    console.log(`voice bench (CallSession → AgentSession, Silero VAD ${VAD_SILENCE_MS} ms silence, VAD turn detection, stand-ins: STT ${LATENCY.stt} ms, LLM first token ${LATENCY.llm} ms, TTS first chunk ${LATENCY.tts} ms)`);
    console.log(
      `all sessions in this process (one worker); far end: ${SPEECH_MS} ms of synthetic voice per turn in 20 ms frames at 16 kHz, reply "${REPLY}" (${REPLY.length * MS_PER_CHAR} ms of audio); ` +
        `${TURNS} measured turns per session after a warm-up turn${QUICK ? '; --quick: few turns, noisy figures' : ''}`,
    );
    const cpus = availableParallelism();
    const busy = Math.max(loadAtStart, loadavg()[0]!) > cpus / 2;
    console.log(
      `machine: ${cpus} CPUs, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end` + (busy ? ' — something else was running: latency figures are noisy' : ''),
    );
    console.log(formatTable(results));
    console.log(
      `end of speech = the VAD's END_OF_SPEECH as the session receives it (the far end's last speech frame + ${num(baseline.vadP50, 0)} ms p50: the ${VAD_SILENCE_MS} ms silence threshold and the VAD's 32 ms windows); ` +
        `hold = endpointing minDelay ${ENDPOINTING_MIN_DELAY_MS} ms − the silence the VAD reports with its end of speech − STT, per turn: the framework's configured wait, when positive`,
    );
    console.log(
      `overhead p50 ${num(one.p50, 1)} ms at 1 session (goal ≤ ${GOALS.overheadP50Ms} ms) ${verdict(latencyMet)}; zero-latency baseline ${num(baseline.p50, 1)} ms, ratio ${num(one.p50 / baseline.p50, 2)}   ` +
        `${top.sessions} sessions in one worker: ${top.missed} turns missed, overhead p50 ${num(topOverhead.p50, 1)} ms, p99 ${num(topOverhead.p99, 1)} ms (goal ≥ ${GOALS.sessions} sessions within the p50 goal) ${verdict(sessionsMet)}`,
    );
    const listeners = vad.listenerCount('metrics_collected');
    console.log(`shared VAD: ${listeners} metrics_collected listener${listeners === 1 ? '' : 's'} left after every session ended${listeners ? ' (not released by the framework)' : ''}`);
    const errors = results.filter((r) => r.firstError);
    for (const r of errors) console.log(`first error at ${r.sessions} session(s): ${r.firstError}`);
    return flag('check') && !(latencyMet && sessionsMet) ? 1 : 0;
  } finally {
    await vad.close();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exit(2);
  });

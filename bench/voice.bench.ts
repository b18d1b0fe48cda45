/**
 * The voice agent's own latency and memory: N concurrent CallSessions, real audio frames through AgentSession and
 * Silero VAD, STT/LLM/TTS stand-ins of fixed latency. Per caller turn: the VAD's end of speech → the reply's first
 * audio frame at the session's output, minus the configured waits (stand-ins, endpointing) on that path (our
 * overhead); per session: RSS and heap at 1, 10 and 50 concurrent sessions. Two models of a worker: each call in its
 * own process, as the LiveKit Agents worker runs calls in production (the sessions-per-worker figure), and every call
 * in this one process (how far one process goes). See bench/README.md.
 *
 *   npm run bench:voice                 print the figures (exit 0 unless the bench itself breaks)
 *   npm run bench:voice -- --check      also exit 1 when a goal is missed
 *   npm run bench:voice -- --quick      fewer turns, to check the bench works (figures are noisy)
 *   options: --stt <ms> (100), --llm <ms> (200, time to first token), --tts <ms> (80, first chunk),
 *            --turns <n> measured caller turns per session (8), --sessions <n> (largest level, 50),
 *            --stt-mode streaming|batch (streaming: a streaming recogniser, as production's; batch: a
 *            non-streaming one, which VoiceSession wraps in stt.StreamAdapter fed by the session's VAD stream),
 *            --model process|inprocess|both (both), --frame-ms 10|20|40 the far end's frame length (20),
 *            --vad batched|plugin the calls' Silero VAD: the voice agent's, batched on a thread of its own (batched), or the plugin's,
 *            --calls-per-process <n> the process model's calls per process (1: process per call; more: a worker with
 *            AGENT_JOBS_PER_PROCESS = n, the calls of a process sharing its VAD thread)
 *   npm run bench:voice -- --transport websocket
 *            each call a real sandbox web call over the voice agent's WebSocket instead (the dialer and the voice
 *            agent booted in this process on a throw-away database; a `ws` client per call as the browser, in a load
 *            generator process): end of speech → the reply's first audio byte at the client's socket, minus the
 *            same configured waits, at 1 and 10 concurrent calls
 *            (--sessions sets the largest level, default 10 here; --model and --frame-ms do not apply).
 *            Environment: BENCH_DATABASE_URL (server for the throw-away database; default
 *            postgresql://postgres@127.0.0.1:5432/postgres), BENCH_LOG_LEVEL (the service's log, default error).
 */
import { availableParallelism, loadavg } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { initializeLogger, type VAD } from '@livekit/agents';
import { benchArgs } from './support/args';
import { benchRun } from './support/bench-run';
import { verdict } from './support/report';
import {
  forcedGc, loadVad, mb, progress, runCall, startArriving, MS_PER_CHAR, REPLY, VAD_SILENCE_MS, ENDPOINTING_MIN_DELAY_MS, type CallSettings, type Latency, type RunOut, type SttMode, type VadKind,
} from './support/voice-call';
import { CALLER_LINE, callerLine, lineMs } from './support/caller-line';
import { sileroAloneCpuShare } from './support/silero-alone';
import { processLevel, type ProcessLevel } from './support/voice-process-model';
import { cpuSharePerCall, formatInProcessTable, formatProcessTable, formatWebSocketTable, median, num, overhead, processSamples, pssPerCallMb, sum, type PhaseResult } from './support/voice-report';
import { WebCallBench, type WebCallLevel } from './support/voice-websocket';

const { flag, option } = benchArgs();
const bench = benchRun();
const QUICK = flag('quick');
/** The stand-ins' fixed latencies, ms. */
const LATENCY: Latency = { stt: optionOrZero('stt', 100), llm: optionOrZero('llm', 200), tts: optionOrZero('tts', 80) };
const TURNS = QUICK ? 2 : option('turns', 8);
/** session: the far end pushes audio straight into the session (the phone path's figure); websocket: sandbox web calls. */
const TRANSPORT = choice('transport', ['session', 'websocket'] as const, 'session');
const MAX_SESSIONS = option('sessions', TRANSPORT === 'websocket' ? 10 : 50);
const LEVELS = [...new Set([1, 10, ...(TRANSPORT === 'websocket' ? [] : [25]), MAX_SESSIONS].filter((n) => n <= MAX_SESSIONS))];
const GOALS = { overheadP50Ms: 20, overheadP99Ms: 80, sessions: 50 };
const STT_MODE = choice<SttMode>('stt-mode', ['streaming', 'batch'], 'streaming');
const MODEL = choice('model', ['process', 'inprocess', 'both'] as const, 'both');
const FRAME_MS = Number(choice('frame-ms', ['10', '20', '40'] as const, '20'));
/** The calls' VAD: the voice agent's (batched, what its sessions use) or the Silero plugin's (as before it). */
const VAD_KIND = choice<VadKind>('vad', ['batched', 'plugin'], 'batched');
/** The issue's goal for per-call CPU ÷ the CPU of Silero alone over the same audio. */
const SILERO_RATIO_GOAL = 1.5;
/** What one session process is taken to need before any has been measured, MB (the 50 level's memory check). */
const FIRST_PROCESS_GUESS_MB = 400;
/** The process model's calls per process (AGENT_JOBS_PER_PROCESS). */
const CALLS_PER_PROCESS = option('calls-per-process', 1);
/** The issue's per-call goals at the top level: memory (PSS) and CPU, by the far end's frame length. */
const PER_CALL_GOALS = { pssMb: 60, cpuShare: FRAME_MS <= 10 ? 0.03 : 0.02 };

function optionOrZero(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0 && Number(process.argv[i + 1]) === 0) return 0;
  return option(name, fallback);
}

function choice<T extends string>(name: string, values: readonly T[], fallback: T): T {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? process.argv[i + 1] : fallback;
  if (!values.includes(v as T)) throw new Error(`--${name} takes ${values.join(', ')}`);
  return v as T;
}

const settings = (latency: Latency): CallSettings => ({ latency, sttMode: STT_MODE, turns: TURNS, frameMs: FRAME_MS, vad: VAD_KIND });

async function phase(label: string, vad: VAD, sessions: number, latency: Latency, opts: { memory: boolean }): Promise<PhaseResult> {
  progress(`${label}: ${sessions} session${sessions > 1 ? 's' : ''}, ${TURNS} measured turns each`);
  forcedGc();
  await sleep(200);
  forcedGc();
  const idle = process.memoryUsage();
  const out: RunOut = { samples: [], missed: 0, errors: [], vadStreamsPerSession: 0 };
  let warmed = 0;
  let allWarm!: () => void;
  const warmBarrier = new Promise<void>((r) => (allWarm = r));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const calls = await startArriving(sessions, (i) =>
    runCall(i, vad, settings(latency), () => void (++warmed === sessions && allWarm()), out).catch((err: unknown) => {
      out.errors.push(err instanceof Error ? err.message : String(err));
    }),
  );
  let memory: { rss: number; heap: number } | undefined;
  if (opts.memory) {
    await warmBarrier;
    forcedGc();
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
    vadStreamsPerSession: out.vadStreamsPerSession,
    firstError: out.errors[0],
    errorCounts: countErrors(out.errors),
  };
}

const countErrors = (errors: string[]) => errors.reduce((m, e) => m.set(e, (m.get(e) ?? 0) + 1), new Map<string, number>());

/** Every call in this process: a warm-up call, the zero-latency baseline, then the levels. */
async function inProcessModel(): Promise<{ results: PhaseResult[]; vadListenersLeft: number; sileroAlone: number }> {
  const vad = await loadVad(VAD_KIND);
  // Every session's activity listens on the shared VAD; more than 10 sessions is the point here, not a leak.
  vad.setMaxListeners(MAX_SESSIONS * 4 + 10);
  try {
    // Loads every module and warms the JIT, so the first measured phase does not pay for it.
    progress('warm-up call');
    const warmup = await phase('warm-up', vad, 1, LATENCY, { memory: false });
    if (warmup.samples.length === 0) throw new Error(`the warm-up call answered no turn: ${warmup.firstError ?? 'no error recorded'}`);
    const results: PhaseResult[] = [await phase('baseline: zero-latency stand-ins', vad, 1, { stt: 0, llm: 0, tts: 0 }, { memory: false })];
    for (const n of LEVELS) results.push(await phase(`fixed-latency stand-ins`, vad, n, LATENCY, { memory: true }));
    progress('Silero alone over the same call audio');
    const sileroAlone = await sileroAloneCpuShare(await callerLine());
    return { results, vadListenersLeft: vad.listenerCount('metrics_collected'), sileroAlone };
  } finally {
    await vad.close();
  }
}

/** Each call in its own process, level after level; a level that would not fit in free memory is not run. */
async function processModel(): Promise<ProcessLevel[]> {
  const levels: ProcessLevel[] = [];
  let perProcessMb = FIRST_PROCESS_GUESS_MB;
  for (const n of LEVELS) {
    const level = await processLevel(n, settings(LATENCY), perProcessMb, CALLS_PER_PROCESS);
    levels.push(level);
    const peaks = level.results.map((r) => r.peakRssMb);
    if (peaks.length > 0) perProcessMb = Math.max(...peaks) * 1.1;
  }
  return levels;
}

/** Sandbox web calls over the voice agent's WebSocket: a warm-up call, the zero-latency baseline, then the levels. */
async function webSocketTransport(): Promise<number> {
  const loadAtStart = loadavg()[0]!;
  const calls = new WebCallBench({ sttMode: STT_MODE, turns: TURNS, frameMs: 20 });
  bench.onCleanup(() => calls.stop());
  await calls.start(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  progress('websocket transport: warm-up call');
  const warmup = await calls.level('warm-up call (Silero loads)', 1, LATENCY);
  if (warmup.samples.length === 0) throw new Error(`the warm-up web call answered no turn: ${warmup.errors[0] ?? 'no error recorded'}`);
  const levels: WebCallLevel[] = [await calls.level('baseline: zero-latency stand-ins', 1, { stt: 0, llm: 0, tts: 0 })];
  for (const n of LEVELS) levels.push(await calls.level('fixed-latency stand-ins', n, LATENCY));
  await calls.stop();
  const loadAtEnd = loadavg()[0]!;

  const sttKind = STT_MODE === 'batch' ? 'batch (non-streaming, behind stt.StreamAdapter following the session VAD stream)' : 'streaming (own utterance detection, no adapter)';
  console.log(
    `voice bench, websocket transport (sandbox web call: WebSocket route → WebCall → VoiceSession → AgentSession, Silero VAD ${VAD_SILENCE_MS} ms silence, VAD turn detection, stand-ins: STT ${sttKind} ${LATENCY.stt} ms, LLM first token ${LATENCY.llm} ms, TTS first chunk ${LATENCY.tts} ms)`,
  );
  console.log(
    `caller: a ws client per call sending 640-byte 20 ms frames in real time (silence between turns), "${CALLER_LINE}" per turn (espeak-ng, ${lineMs(await callerLine())} ms), reply "${REPLY}" (${REPLY.length * MS_PER_CHAR} ms of audio); ` +
      `${TURNS} measured turns per call after a warm-up turn${QUICK ? '; --quick: few turns, noisy figures' : ''}`,
  );
  const cpus = availableParallelism();
  const busy = loadAtStart > cpus / 2;
  console.log(`machine: ${cpus} CPUs, load average ${loadAtStart.toFixed(1)} → ${loadAtEnd.toFixed(1)} (start → end)` + (busy ? ' — something else was running when the bench started: latency figures are noisy' : ''));
  console.log('');
  console.log(formatWebSocketTable([warmup, ...levels], STT_MODE));
  const baseline = overhead(levels[0]!.samples, levels[0]!.latency, STT_MODE);
  console.log(
    `end of speech = the VAD's END_OF_SPEECH as the session receives it (the last voiced frame at the VAD + ${num(baseline.vadP50, 0)} ms p50); e2e = end of speech → the reply's first audio byte at the client's socket; ` +
      `stand-ins and hold as for the phone path (bench/README.md); in = the client's last speech frame sent → the last voiced frame at the session's VAD (the caller's audio on its way in: not in the overhead, as on the phone path); ` +
      `wait = the client's last speech frame sent → the reply's first byte (the caller's whole wait: in + the VAD + e2e)`,
  );
  let met = true;
  const verdicts = levels.slice(1).map((l) => {
    const o = overhead(l.samples, LATENCY, STT_MODE);
    const ok = l.missed === 0 && o.p50 <= GOALS.overheadP50Ms;
    met &&= ok;
    return `${l.sessions} call${l.sessions > 1 ? 's' : ''}: overhead p50 ${num(o.p50, 1)} ms, p99 ${num(o.p99, 1)} ms, ${l.missed} turns missed ${verdict(ok)}`;
  });
  console.log(`websocket: goal overhead p50 ≤ ${GOALS.overheadP50Ms} ms with no turn missed, as the phone path   ${verdicts.join('   ')}`);
  console.log(`Silero VAD streams per call: ${Math.max(...levels.map((l) => l.vadStreamsPerSession))}; agent audio messages not one 640-byte frame: ${levels.reduce((n, l) => n + l.oddFrames, 0)}`);
  for (const l of [warmup, ...levels].filter((x) => x.errors.length > 0)) {
    console.log(`errors at ${l.sessions} call(s) (${l.label}): ${[...countErrors(l.errors)].map(([e, n]) => `${n} × ${e}`).join('; ')}`);
  }
  return flag('check') && !met ? 1 : 0;
}

async function main(): Promise<number> {
  initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' });
  if (TRANSPORT === 'websocket') return webSocketTransport();
  const loadAtStart = loadavg()[0]!;
  const inProcess = MODEL === 'process' ? undefined : await inProcessModel();
  const loadBetween = loadavg()[0]!;
  const processes = MODEL === 'inprocess' ? undefined : await processModel();
  // The process model's floor: measured once per run, after the levels (the in-process model's figure when it ran).
  const sileroAlone = inProcess?.sileroAlone ?? (processes ? (progress('Silero alone over the same call audio'), await sileroAloneCpuShare(await callerLine())) : Number.NaN);
  const loadAtEnd = loadavg()[0]!;

  const sttKind = STT_MODE === 'batch' ? 'batch (non-streaming, behind stt.StreamAdapter following the session VAD stream)' : 'streaming (own utterance detection, no adapter)';
  console.log(
    `voice bench (VoiceSession → AgentSession, Silero VAD ${VAD_SILENCE_MS} ms silence, VAD turn detection, stand-ins: STT ${sttKind} ${LATENCY.stt} ms, LLM first token ${LATENCY.llm} ms, TTS first chunk ${LATENCY.tts} ms)`,
  );
  console.log(
    `far end: "${CALLER_LINE}" per turn (espeak-ng, ${lineMs(await callerLine())} ms) in ${FRAME_MS} ms frames at 16 kHz, reply "${REPLY}" (${REPLY.length * MS_PER_CHAR} ms of audio); ` +
      `${TURNS} measured turns per session after a warm-up turn${QUICK ? '; --quick: few turns, noisy figures' : ''}`,
  );
  const cpus = availableParallelism();
  // Only the load before the bench started says whether something else ran: the bench's own levels load the machine.
  const busy = loadAtStart > cpus / 2;
  const loads = [loadAtStart, ...(inProcess && processes ? [loadBetween] : []), loadAtEnd].map((l) => l.toFixed(1)).join(' → ');
  console.log(`machine: ${cpus} CPUs, load average ${loads} (start${inProcess && processes ? ' → between the models' : ''} → end)` + (busy ? ' — something else was running when the bench started: latency figures are noisy' : ''));

  let latencyMet = true;
  let sessionsMet = true;
  if (inProcess) {
    const { results } = inProcess;
    const baseline = overhead(results[0]!.samples, results[0]!.latency, STT_MODE);
    const one = overhead(results[1]!.samples, LATENCY, STT_MODE);
    const top = results[results.length - 1]!;
    const topOverhead = overhead(top.samples, LATENCY, STT_MODE);
    const met = one.p50 <= GOALS.overheadP50Ms && results[1]!.missed === 0;
    const topMet = top.sessions >= GOALS.sessions && top.missed === 0 && topOverhead.p50 <= GOALS.overheadP50Ms && topOverhead.p99 <= GOALS.overheadP99Ms;
    console.log('');
    console.log('in-process model: every call in this one process (how far one process goes)');
    console.log(formatInProcessTable(results, STT_MODE));
    console.log(
      `end of speech = the VAD's END_OF_SPEECH as the session receives it (the far end's last speech frame + ${num(baseline.vadP50, 0)} ms p50: the ${VAD_SILENCE_MS} ms silence threshold and the VAD's 32 ms windows); ` +
        `stand-ins = the LLM's first token (started on the final transcript, due ${STT_MODE === 'batch' ? 'STT after end of speech' : 'STT after the last speech frame'}) after end of speech, if later, + TTS; ` +
        `hold = what endpointing minDelay ${ENDPOINTING_MIN_DELAY_MS} ms after (end of speech − the silence the VAD reports) adds beyond that; per turn`,
    );
    console.log(
      `in-process: overhead p50 ${num(one.p50, 1)} ms at 1 session (goal ≤ ${GOALS.overheadP50Ms} ms) ${verdict(met)}; zero-latency baseline ${num(baseline.p50, 1)} ms, ratio ${num(one.p50 / baseline.p50, 2)}   ` +
        `${top.sessions} sessions in one process: ${top.missed} turns missed, overhead p50 ${num(topOverhead.p50, 1)} ms, p99 ${num(topOverhead.p99, 1)} ms (goal ≥ ${GOALS.sessions} sessions, none missed, p50 ≤ ${GOALS.overheadP50Ms} ms, p99 ≤ ${GOALS.overheadP99Ms} ms) ${verdict(topMet)}`,
    );
    console.log(`Silero VAD streams per session: ${top.vadStreamsPerSession} (${VAD_KIND === 'batched' ? "the voice agent's VAD, inference batched on its own thread" : "the Silero plugin's VAD, on the event loop"}; --vad)`);
    // Per call: the level's CPU (this process, every thread) ÷ its calls. A level that missed turns waited on them, which dilutes it.
    const perCall = results.slice(1).map((r) => ({ sessions: r.sessions, share: r.cpuShare / r.sessions, missed: r.missed }));
    const alone = inProcess.sileroAlone;
    const topRatio = perCall[perCall.length - 1]!.share / alone;
    console.log(
      `Silero alone over a call's audio (the plugin's model path, batch of one, this run): ${num(alone * 100, 2)} % of a core per call; ` +
        `per-call cpu ÷ that: ${perCall.map((c) => `${c.sessions}: ${num(c.share * 100, 2)} % → ${num(c.share / alone, 2)}${c.missed ? ` (${c.missed} missed)` : ''}`).join(', ')} ` +
        `(goal ≤ ${SILERO_RATIO_GOAL} at ${top.sessions} sessions with none missed) ${verdict(topRatio <= SILERO_RATIO_GOAL && top.missed === 0)}`,
    );
    const listeners = inProcess.vadListenersLeft;
    console.log(`shared VAD: ${listeners} metrics_collected listener${listeners === 1 ? '' : 's'} left after every session ended${listeners ? ' (not released by the framework)' : ''}`);
    for (const r of results.filter((x) => x.errorCounts.size > 0)) {
      console.log(`errors at ${r.sessions} session(s) (${r.label}): ${[...r.errorCounts].map(([e, n]) => `${n} × ${e}`).join('; ')}`);
    }
    latencyMet = met;
    sessionsMet = topMet;
  }
  if (processes) {
    const ran = processes.filter((l) => !l.skipped);
    const one = ran[0] && ran[0].sessions === 1 ? overhead(processSamples(ran[0]), LATENCY, STT_MODE) : undefined;
    const top = processes[processes.length - 1]!;
    const topOverhead = overhead(processSamples(top), LATENCY, STT_MODE);
    const topMet =
      top.sessions >= GOALS.sessions && !top.skipped && top.failures.length === 0 && top.missed === 0 && topOverhead.p50 <= GOALS.overheadP50Ms && topOverhead.p99 <= GOALS.overheadP99Ms;
    console.log('');
    console.log(
      CALLS_PER_PROCESS > 1
        ? `process model: up to ${CALLS_PER_PROCESS} calls per process sharing its VAD thread, as a worker with AGENT_JOBS_PER_PROCESS=${CALLS_PER_PROCESS} runs them (the sessions-per-worker figure)`
        : 'process model: each call in its own process, Silero loaded in each, as the LiveKit Agents worker runs calls by default (the sessions-per-worker figure)',
    );
    console.log(formatProcessTable(processes, LATENCY, STT_MODE));
    console.log(
      `memory, MB per process: idle rss = loaded, Silero in, no call (a prewarmed idle job process); rss/proc = that process with its calls, after their warm-up turns and a forced GC; ` +
        `peak = its largest RSS over the calls; heap = V8 heap used + external then; Σ rss counts shared pages (node, onnxruntime) once per process, Σ pss splits them; pss/call = Σ pss ÷ calls; ` +
        `machine +GB = the machine's memory in use with every call warm − before the level; cpu/call = a process's CPU over its measured turns ÷ its calls (share of one core, the median process), machine cpu = all ${cpus} cores' busy share from the measured turns' start until the first call ended`,
    );
    for (const l of processes.filter((x) => x.skipped)) console.log(`process model: ${l.sessions} sessions not run: ${l.skipped}`);
    const vadStreams = Math.max(0, ...top.results.map((r) => r.vadStreams));
    console.log(
      `process model: overhead p50 ${num(one?.p50, 1)} ms at 1 session` + (MODEL === 'process' ? ` (goal ≤ ${GOALS.overheadP50Ms} ms) ${verdict(one !== undefined && one.p50 <= GOALS.overheadP50Ms && ran[0]!.missed === 0)}` : '') + '   ' +
        `${top.sessions} sessions per worker, ${CALLS_PER_PROCESS > 1 ? `up to ${CALLS_PER_PROCESS} per process` : 'one process each'}: ` +
        (top.skipped ? 'not run (not enough free memory)' : `${top.missed} turns missed, overhead p50 ${num(topOverhead.p50, 1)} ms, p99 ${num(topOverhead.p99, 1)} ms, rss ${num(median(top.warm.map((m) => m.rssMb)), 0)} MB per process (Σ ${num(sum(top.warm.map((m) => m.rssMb)) / 1024, 2)} GB), machine cpu ${Math.round(top.machineCpuShare * 100)}%`) +
        ` (goal ≥ ${GOALS.sessions} sessions, none missed, p50 ≤ ${GOALS.overheadP50Ms} ms, p99 ≤ ${GOALS.overheadP99Ms} ms) ${verdict(topMet)}`,
    );
    if (vadStreams) console.log(`Silero VAD streams per session: ${vadStreams}`);
    if (!top.skipped) {
      const pss = pssPerCallMb(top);
      const cpu = cpuSharePerCall(top);
      console.log(
        `process model, per call at ${top.sessions} calls: memory (PSS) ${num(pss ?? undefined, 0)} MB (goal ≤ ${PER_CALL_GOALS.pssMb} MB) ${verdict(pss !== null && pss <= PER_CALL_GOALS.pssMb)}; ` +
          `CPU ${num(cpu * 100, 2)} % of a core at ${FRAME_MS} ms frames (goal ≤ ${PER_CALL_GOALS.cpuShare * 100} %) ${verdict(cpu <= PER_CALL_GOALS.cpuShare && top.missed === 0)}; ` +
          `÷ Silero alone over a call's audio (${num(sileroAlone * 100, 2)} %): ${num(cpu / sileroAlone, 2)} (goal ≤ ${SILERO_RATIO_GOAL}) ${verdict(cpu / sileroAlone <= SILERO_RATIO_GOAL && top.missed === 0)}`,
      );
    }
    for (const l of processes) {
      const errors = countErrors([...l.failures, ...l.results.flatMap((r) => r.errors)]);
      if (errors.size > 0) console.log(`errors at ${l.sessions} session process(es): ${[...errors].map(([e, n]) => `${n} × ${e}`).join('; ')}`);
    }
    if (MODEL === 'process') latencyMet = one !== undefined && one.p50 <= GOALS.overheadP50Ms && ran[0]!.missed === 0;
    // The production model decides the sessions-per-worker goal.
    sessionsMet = topMet;
  }
  return flag('check') && !(latencyMet && sessionsMet) ? 1 : 0;
}

bench.run(main);

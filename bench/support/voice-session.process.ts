/**
 * Voice bench calls in a process of their own, as the LiveKit Agents worker runs calls in a job process (one each, or
 * AGENT_JOBS_PER_PROCESS sharing one: apps/voice-agent/src/worker/livekit-worker.ts, job.ts). Forked by
 * voice-process-model.ts; speaks over IPC only: receives a `job`, loads the VAD as the job's prewarm does (once, for
 * every call of the process) and answers `loaded`; on `start` runs its calls up to their warm-up turns and answers
 * `warm` with its memory; on `go` runs the measured turns and answers `done`, then exits.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { initializeLogger } from '@livekit/agents';
import { forcedGc, loadVad, mb, runCall, startArriving, type RunOut } from './voice-call';
import type { FromSession, MemorySample, ToSession } from './voice-session-types';

/**
 * Calls held at their warm-up turn go on out of phase, as independent callers are: each after a random wait of up to
 * about one turn (the line, the wait for the reply, the reply and a pause: ≈ 2.6 s). Released together, a process's
 * calls said their lines, were heard and were answered within the same 400 ms on every turn: a burst of 25 replies at
 * once that no worker of independent calls sees, which made the tail of the overhead the bench's own.
 */
const PHASE_SPREAD_MS = 2_500;

/** Resolves once the message is handed to the channel, so `disconnect` cannot drop it. */
const send = (msg: FromSession) => new Promise<void>((resolve) => process.send!(msg, undefined, undefined, () => resolve()));

function next<T extends ToSession['type']>(type: T): Promise<Extract<ToSession, { type: T }>> {
  return new Promise((resolve) => {
    const onMessage = (msg: ToSession) => {
      if (msg.type !== type) return;
      process.off('message', onMessage);
      resolve(msg as Extract<ToSession, { type: T }>);
    };
    process.on('message', onMessage);
  });
}

function pssMb(): number | null {
  try {
    const kb = /^Pss:\s+(\d+) kB/m.exec(readFileSync('/proc/self/smaps_rollup', 'utf8'));
    return kb ? Number(kb[1]) / 1024 : null;
  } catch {
    return null;
  }
}

function memory(): MemorySample {
  forcedGc();
  const m = process.memoryUsage();
  return { rssMb: mb(m.rss), heapMb: mb(m.heapUsed + m.external), pssMb: pssMb() };
}

async function main(): Promise<void> {
  const job = next('job');
  const { index, calls, settings } = await job;
  initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' });
  const vad = await loadVad(settings.vad);
  const started = next('start');
  const go = next('go');
  await send({ type: 'loaded', idle: memory() });
  await started;

  const out: RunOut = { samples: [], missed: 0, errors: [], vadStreamsPerSession: 0 };
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let cpu = process.cpuUsage();
  let wall = 0;
  // Every call waits at its warm-up turn until all of the process's calls are there (or broke) and the level's `go`.
  let warmed = 0;
  let allWarm!: () => void;
  const measuring = new Promise<void>((resolve) => (allWarm = resolve)).then(async () => {
    await send({ type: 'warm', memory: memory() });
    await go;
    loop.enable();
    cpu = process.cpuUsage();
    wall = performance.now();
  });
  // runCall calls warmedUp once, also when the call breaks before its warm-up turn.
  const warmedUp = () => {
    if (++warmed === calls) allWarm();
    return measuring.then(() => sleep(Math.random() * PHASE_SPREAD_MS));
  };
  // The CPU figure is taken while every call is still on: up to the first call's end (out of phase, the last ones
  // end up to PHASE_SPREAD_MS later, with fewer calls left to share the process).
  let used: NodeJS.CpuUsage | undefined;
  let wallMs = 0;
  const runOne = async (i: number) => {
    await runCall(index + i, vad, settings, warmedUp, out).catch((err: unknown) => void out.errors.push(err instanceof Error ? err.message : String(err)));
    if (used) return;
    used = process.cpuUsage(cpu);
    wallMs = performance.now() - wall;
  };
  await Promise.all(await startArriving(calls, runOne));
  loop.disable();
  await vad.close();
  await send({
    type: 'done',
    result: {
      calls,
      samples: out.samples,
      missed: out.missed,
      errors: out.errors,
      vadStreams: out.vadStreamsPerSession,
      cpuMs: (used!.user + used!.system) / 1000,
      wallMs,
      loopDelayP99Ms: loop.percentile(99) / 1e6,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
    },
  });
}

main()
  .catch((err: unknown) => send({ type: 'failed', error: err instanceof Error ? (err.stack ?? err.message) : String(err) }))
  .finally(() => process.disconnect());

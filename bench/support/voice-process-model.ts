/**
 * The voice bench's process model: each call in its own child process (voice-session.process.ts), as the LiveKit
 * Agents worker runs each call in a job process of its own. Every step waits on the processes' IPC messages: all
 * loaded (Silero included) → calls started → all warm (greeting and a warm-up turn done, memory sampled) → `go` →
 * the measured turns → all done.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { cpus, freemem, totalmem } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { mb, progress, type CallSettings } from './voice-call';
import type { FromSession, MemorySample, SessionResult, ToSession } from './voice-session-types';

const SESSION = path.join(__dirname, 'voice-session.process.ts');
/** Processes loading at once (tsx, @livekit/agents, onnxruntime, Silero: about a second of CPU each). */
const LOADING_AT_ONCE = 4;
/** A guard, not a wait: a process that has not answered a step by then is taken as broken. */
const STEP_TIMEOUT_MS = 180_000;
/** Free memory the bench leaves the machine (other engineers' jobs run here too). */
const RESERVE_MB = 2_048;

type Reply<T extends FromSession['type']> = Extract<FromSession, { type: T }>;

/** One forked session process and the messages it has sent so far. */
class SessionProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
  readonly #received = new Map<FromSession['type'], FromSession>();
  readonly #waiters = new Set<() => void>();
  #failure: Error | undefined;

  constructor(index: number, calls: number, settings: CallSettings) {
    const profile = process.env.BENCH_CPU_PROF_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF_DIR}`] : [];
    this.child = fork(SESSION, [], { execArgv: ['--import', 'tsx', ...profile], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child.on('message', (msg: FromSession) => {
      if (msg.type === 'failed') return this.#fail(new Error(`session process ${index} failed: ${msg.error}`));
      this.#received.set(msg.type, msg);
      this.#wake();
    });
    this.child.once('error', (err) => this.#fail(err));
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        this.#fail(new Error(`session process ${index} exited (${signal ?? `code ${code}`}) early`));
        resolve();
      }),
    );
    this.send({ type: 'job', index, calls, settings });
  }

  send(msg: ToSession): void {
    if (this.child.connected) this.child.send(msg);
  }

  /** The process's `type` message, once it has sent it. */
  next<T extends FromSession['type']>(type: T): Promise<Reply<T>> {
    return new Promise((resolve, reject) => {
      const guard = setTimeout(() => settle(new Error(`session process ${this.child.pid} sent no '${type}' within ${STEP_TIMEOUT_MS / 1000} s`)), STEP_TIMEOUT_MS);
      const settle = (err?: Error) => {
        clearTimeout(guard);
        this.#waiters.delete(check);
        if (err) reject(err);
        else resolve(this.#received.get(type) as Reply<T>);
      };
      const check = () => {
        if (this.#received.has(type)) settle();
        else if (this.#failure) settle(this.#failure);
      };
      this.#waiters.add(check);
      check();
    });
  }

  /** Ends the process if it is still running (a broken level, or one that does not exit after answering). */
  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  /** Whether it has sent `type` already. */
  has(type: FromSession['type']): boolean {
    return this.#received.has(type);
  }

  get broken(): boolean {
    return this.#failure !== undefined;
  }

  #fail(err: Error): void {
    this.#failure ??= err;
    this.#wake();
  }

  #wake(): void {
    for (const w of [...this.#waiters]) w();
  }
}

export interface ProcessLevel {
  sessions: number;
  /** Calls sharing one process (the last process may have fewer). */
  callsPerProcess: number;
  /** Why the level did not run (not enough free memory). */
  skipped?: string;
  /** Each process's memory once loaded (Silero in, no call yet: a prewarmed idle job process) and once warm. */
  idle: MemorySample[];
  warm: MemorySample[];
  results: SessionResult[];
  /** Measured turns not answered, those of processes that broke included. */
  missed: number;
  /** Processes that broke, and why. */
  failures: string[];
  /** The machine's memory in use (total − available), MB: before the level, with every process loaded, with every call warm. */
  machineUsedMb: { before: number; loaded: number; warm: number };
  /** Busy share of all the machine's cores from `go` until the first call ended (every call in its measured turns), 0–1. */
  machineCpuShare: number;
}

const usedMb = () => mb(totalmem() - freemem());

function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * Runs `sessions` calls, `callsPerProcess` to a process. `perProcessMb` is what one process is expected to take (the
 * largest peak RSS seen so far, or a guess): a level that would not leave RESERVE_MB free does not start.
 */
export async function processLevel(sessions: number, settings: CallSettings, perProcessMb: number, callsPerProcess = 1): Promise<ProcessLevel> {
  const level: ProcessLevel = { sessions, callsPerProcess, idle: [], warm: [], results: [], missed: 0, failures: [], machineUsedMb: { before: usedMb(), loaded: 0, warm: 0 }, machineCpuShare: Number.NaN };
  const processes = Math.ceil(sessions / callsPerProcess);
  const needMb = processes * perProcessMb;
  const freeMb = mb(freemem());
  if (freeMb - needMb < RESERVE_MB) {
    level.skipped = `needs ≈ ${(needMb / 1024).toFixed(1)} GB (${processes} × ${perProcessMb.toFixed(0)} MB) and ${(RESERVE_MB / 1024).toFixed(0)} GB to spare; ${(freeMb / 1024).toFixed(1)} GB available`;
    return level;
  }
  const procs: SessionProcess[] = [];
  const broken = (p: SessionProcess, err: unknown) => {
    level.failures.push(err instanceof Error ? err.message : String(err));
    p.kill();
    return undefined;
  };
  try {
    progress(`process model: starting ${processes} session process${processes > 1 ? 'es' : ''} of up to ${callsPerProcess} call${callsPerProcess > 1 ? 's' : ''} (the VAD loaded in each)`);
    const loaded: Array<Promise<unknown>> = [];
    for (let i = 0; i < processes; i++) {
      if (i >= LOADING_AT_ONCE) await Promise.allSettled([loaded[i - LOADING_AT_ONCE]]);
      if (mb(freemem()) < RESERVE_MB) throw new Error(`stopped at ${i} of ${processes} processes: ${(mb(freemem()) / 1024).toFixed(1)} GB available`);
      const p = new SessionProcess(i * callsPerProcess, Math.min(callsPerProcess, sessions - i * callsPerProcess), settings);
      procs.push(p);
      loaded.push(p.next('loaded').then((m) => level.idle.push(m.idle), (err: unknown) => broken(p, err)));
    }
    await Promise.all(loaded);
    level.machineUsedMb.loaded = usedMb();

    progress(`process model: ${sessions} call${sessions > 1 ? 's' : ''}, ${settings.turns} measured turns each`);
    const live = procs.filter((p) => !p.broken);
    const warm = live.map((p) => p.next('warm').then((m) => level.warm.push(m.memory), (err: unknown) => broken(p, err)));
    // Calls arrive over up to a second, as in the in-process model (pacing, not synchronisation).
    for (const p of live) {
      p.send({ type: 'start' });
      if (live.length > 1) await sleep(Math.min(20 * callsPerProcess, 1_000 / live.length));
    }
    await Promise.all(warm);
    level.machineUsedMb.warm = usedMb();

    const cpuBefore = cpuTimes();
    const measured = live.filter((p) => !p.broken);
    // Until the first call ends, every call is in its measured turns: after that the machine idles down as they finish.
    let allUp: ReturnType<typeof cpuTimes> | undefined;
    const done = measured.map((p) =>
      p.next('done').then(
        (m) => {
          allUp ??= cpuTimes();
          level.results.push(m.result);
        },
        (err: unknown) => broken(p, err),
      ),
    );
    for (const p of measured) p.send({ type: 'go' });
    await Promise.all(done);
    const cpuAfter = allUp ?? cpuTimes();
    level.machineCpuShare = (cpuAfter.busy - cpuBefore.busy) / (cpuAfter.total - cpuBefore.total);
  } catch (err) {
    level.failures.push(err instanceof Error ? err.message : String(err));
  } finally {
    // A process that answered exits by itself; give it a little while (a guard), end any other now.
    await Promise.all(procs.map(async (p) => {
      if (p.has('done')) {
        const guard = new AbortController();
        await Promise.race([p.exited, sleep(10_000, undefined, { signal: guard.signal }).catch(() => undefined)]);
        guard.abort();
      }
      p.kill();
    }));
  }
  const answered = level.results.reduce((n, r) => n + r.samples.length + r.missed, 0);
  level.missed = level.results.reduce((n, r) => n + r.missed, 0) + (sessions * settings.turns - answered);
  return level;
}

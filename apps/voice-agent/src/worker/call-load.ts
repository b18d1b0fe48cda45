/**
 * The worker's load as a share of its cores: what the calls in hand will cost, not only what they cost right now.
 * A call just accepted costs next to nothing for seconds (its greeting, STT and TTS start later), so the CPU of the
 * moment lets a burst of offers all in before it rises, and turns are missed once they all speak. Here every call in
 * hand (running, or accepted and not started yet) counts at the measured CPU of one call, from its acceptance on.
 */
export interface CallLoadSettings {
  /** The cores the worker may use: the pod's CPU limit, else the machine's (process-tree-cpu.ts `availableCores`). */
  cores: number;
  /** One call's CPU, in cores, until the worker has measured it. */
  cpuPerCall: number;
  /** How long after a call starts before its CPU counts in the measure of one call: until then it is still starting. */
  settleMs: number;
  /** The weight of each new measurement in the smoothed figures (an exponentially weighted mean). */
  smoothing: number;
  /** How long an accepted offer whose job has not started counts as a call in hand (LiveKit may never assign it). */
  reservationMs: number;
}

/** The framework samples every 2.5 s: 0.1 averages over about 25 s, long enough to span a call's turns and silences. */
export const CALL_LOAD_DEFAULTS = { settleMs: 10_000, smoothing: 0.1, reservationMs: 30_000 } as const;

export interface CpuSample {
  /** Monotonic time, in ms. */
  at: number;
  /** CPU seconds the worker's processes have used in all; null where that cannot be read. */
  cpuSeconds: number | null;
  /** The calls running now (their job ids). */
  calls: readonly string[];
}

export interface CallLoadFigures {
  /** 0–1: what LiveKit is told, the larger of the measured CPU and `callsLoad`, over the cores. */
  load: number;
  /** 0–1: what the calls in hand and the worker itself should cost, over the cores. */
  callsLoad: number;
  /** Cores the worker's processes used between the last two samples; null until there are two. */
  measuredCpu: number | null;
  /** One call's CPU in cores: the starting guess until measured. */
  cpuPerCall: number;
  /** The worker's CPU with no call (its own and its warm processes'), in cores: 0 until measured. */
  baseCpu: number;
  callsInHand: number;
}

export class CallLoad {
  readonly #s: CallLoadSettings;
  #cpuPerCall: number;
  #baseCpu = 0;
  #measured: number | null = null;
  #last: CpuSample | null = null;
  /** Running calls, by when they were first seen running. */
  readonly #running = new Map<string, number>();
  /** Accepted offers not seen running yet, by when they were accepted. */
  readonly #reserved = new Map<string, number>();

  constructor(settings: CallLoadSettings) {
    if (!(settings.cores > 0)) throw new Error(`cores must be above 0, got ${settings.cores}`);
    if (!(settings.cpuPerCall > 0)) throw new Error(`cpuPerCall must be above 0, got ${settings.cpuPerCall}`);
    if (!(settings.smoothing > 0 && settings.smoothing <= 1)) throw new Error(`smoothing must be in (0, 1], got ${settings.smoothing}`);
    this.#s = settings;
    this.#cpuPerCall = settings.cpuPerCall;
  }

  /** An offer was accepted: it is a call in hand from now on, before its job runs. */
  accepted(jobId: string, at: number): void {
    if (!this.#running.has(jobId)) this.#reserved.set(jobId, at);
  }

  sample(now: CpuSample): void {
    const prev = this.#last;
    const calls = new Set(now.calls);
    for (const id of calls) {
      if (!this.#running.has(id)) this.#running.set(id, now.at);
      this.#reserved.delete(id);
    }
    for (const id of [...this.#running.keys()]) if (!calls.has(id)) this.#running.delete(id);
    this.#expire(now.at);
    this.#measured = null;
    if (prev && prev.cpuSeconds !== null && now.cpuSeconds !== null && now.at > prev.at) {
      this.#measured = Math.max(0, now.cpuSeconds - prev.cpuSeconds) / ((now.at - prev.at) / 1000);
      this.#learn(this.#measured, prev, now);
    }
    this.#last = now;
  }

  figures(at: number): CallLoadFigures {
    this.#expire(at);
    const callsInHand = this.#running.size + this.#reserved.size;
    const share = (cpu: number) => Math.min(1, Math.max(0, cpu / this.#s.cores));
    const expected = this.#baseCpu + callsInHand * this.#cpuPerCall;
    // The measure as well: calls that cost more than one call's mean, or CPU the estimate does not know of, count.
    const load = share(Math.max(this.#measured ?? 0, expected));
    return { load, callsLoad: share(expected), measuredCpu: this.#measured, cpuPerCall: this.#cpuPerCall, baseCpu: this.#baseCpu, callsInHand };
  }

  load(at: number): number {
    return this.figures(at).load;
  }

  #learn(used: number, prev: CpuSample, now: CpuSample): void {
    const a = this.#s.smoothing;
    if (prev.calls.length === 0 && now.calls.length === 0) {
      if (this.#reserved.size === 0) this.#baseCpu += a * (used - this.#baseCpu);
      return;
    }
    const settledBy = prev.at - this.#s.settleMs;
    const before = new Set(prev.calls);
    const settled = now.calls.filter((id) => before.has(id) && this.#running.get(id)! <= settledBy).length;
    if (settled === 0) return;
    // Calls that started, ended or were still starting during the interval are taken to have cost nothing: their CPU
    // lands on the settled ones, which overstates a call a little. That errs on the safe side (full a little early), and
    // on a busy worker, where some call is always starting, it still learns.
    const perCall = Math.max(0, used - this.#baseCpu) / settled;
    this.#cpuPerCall += a * (perCall - this.#cpuPerCall);
  }

  #expire(at: number): void {
    for (const [id, since] of this.#reserved) if (at - since >= this.#s.reservationMs) this.#reserved.delete(id);
  }
}

import type { CallSettings, TurnSample } from './voice-call';

/** A process's memory at one moment: RSS, and V8 heap used + external (audio buffers live in ArrayBuffers) after a forced GC. */
export interface MemorySample {
  rssMb: number;
  heapMb: number;
  /** Proportional set size (shared pages split between the processes sharing them), where /proc tells it; else null. */
  pssMb: number | null;
}

/**
 * Parent → session process. `job`: the process runs `calls` calls at once (numbered from `index`), as a worker with
 * AGENT_JOBS_PER_PROCESS does; `start` once it is loaded, `go` once every call of the level is warm.
 */
export type ToSession = { type: 'job'; index: number; calls: number; settings: CallSettings } | { type: 'start' } | { type: 'go' };

/** What one session process measured over its measured turns (after `go`). */
export interface SessionResult {
  /** The calls it ran. */
  calls: number;
  samples: TurnSample[];
  missed: number;
  /** Every error, warm-up turn included. */
  errors: string[];
  /** The most VAD streams one call opened. */
  vadStreams: number;
  /** The process's CPU (all its threads) from `go` to its last turn, ms, and that span's wall time. */
  cpuMs: number;
  wallMs: number;
  loopDelayP99Ms: number;
  /** The process's peak RSS over its life (getrusage maxrss). */
  peakRssMb: number;
}

/** Session process → parent, in this order. */
export type FromSession =
  | { type: 'loaded'; idle: MemorySample }
  | { type: 'warm'; memory: MemorySample }
  | { type: 'done'; result: SessionResult }
  | { type: 'failed'; error: string };

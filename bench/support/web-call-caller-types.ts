/**
 * The websocket transport's load generator (web-call-caller.process.ts) and the bench, over IPC. Times are on the
 * machine's monotonic clock (`monotonicMs`), which every process on the machine reads alike, so the caller's
 * timestamps and the service's compare without any clock alignment.
 */

/** CLOCK_MONOTONIC in ms: one clock for every process on the machine (performance.now() counts from each process's own start). */
export const monotonicMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/** Bench → caller process: join the web call at `url` and run its turns, each saying the caller's line (caller-line.ts). */
export type ToCaller = { type: 'call'; id: number; url: string; turns: number };

/** One caller turn as the browser saw it (monotonic ms). */
export interface CallerTurn {
  /** When the line was queued on the microphone. */
  saidAt: number;
  /** When the line's last speech frame was handed to the socket. */
  lastSpeechSentAt: number;
  /** When the reply's first audio byte arrived; absent when none came in time. */
  replyAt?: number;
  /** Why the turn has no reply, or did not finish. */
  error?: string;
}

/** Caller process → bench: a call is over (the browser hung up), or could not run. */
export type FromCaller =
  | { type: 'done'; id: number; turns: CallerTurn[]; audioFrames: number; oddFrames: number; error?: string }
  | { type: 'ready' };

/** What the bench process asks of the load-generator process, and what it gets back (plain data: it crosses IPC). */

export type LoadMode =
  /** Closed loop: every connection sends its next request as soon as the previous answer arrives. */
  | { kind: 'max'; connections: number; durationMs: number }
  /** Open loop: requests are due at a fixed rate whether or not earlier ones have been answered. */
  | { kind: 'rate'; rps: number; connections: number; durationMs: number };

export type RequestPlan =
  | { kind: 'get'; path: string }
  | {
      kind: 'twilio-inbound';
      phoneId: string;
      /** What the gateway's PUBLIC_BASE_URL says: Twilio signs the public URL. */
      publicBaseUrl: string;
      signingSecret: string;
      /** Set: every request carries this CallSid (provider retries of one call). Unset: a new CallSid per request (new calls). */
      repeatCallSid?: string;
      /** How many requests to sign up front; a run that needs more reuses them from the start (reported). */
      count: number;
    };

export interface LoadJob {
  host: string;
  port: number;
  plan: RequestPlan;
  mode: LoadMode;
  /** An answer is a success only with this status and, when given, this text in the body. */
  expect: { status: number; bodyIncludes?: string };
}

export interface LoadResult {
  mode: LoadMode['kind'];
  /** Requests answered within the measured window, per second. */
  rps: number;
  /** For rate runs: the rate asked for. */
  offeredRps?: number;
  completed: number;
  ok: number;
  errors: number;
  /** The first failure, to make a non-zero error count explainable. */
  firstError?: string;
  /** Latency in ms: for rate runs from the moment a request was due (so queueing in the generator counts), else from send. */
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Requests signed before the clock started, and how many times the run had to reuse one. */
  prepared: number;
  reused: number;
  prepareMs: number;
  /** CPU time the generator itself spent per answered request during the run: it must stay well below the server's. */
  cpuMsPerRequest: number;
}

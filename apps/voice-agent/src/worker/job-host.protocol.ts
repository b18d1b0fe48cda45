/**
 * The IPC between the worker and a job host (job-host.ts): one channel per host, each message tagged with the slot
 * of the job it belongs to. What a slot carries is LiveKit Agents' own job protocol, passed through unchanged
 * (`initializeRequest`, `pingRequest`, `startJobRequest`, `shutdownRequest`, `inferenceResponse` one way;
 * `initializeResponse`, `pongResponse`, `exiting`, `shuttingDown`, `shutdownRequestAck`, `done`, `inferenceRequest`
 * the other): the framework's supervisor drives each slot as it drives a child process.
 */

/** One message of the framework's job protocol. */
export interface AgentsJobMessage {
  case: string;
  value?: unknown;
}

/** Worker → host. */
export type ToJobHost =
  /** For the job in that slot (the first one a slot gets is `initializeRequest`). */
  | { slot: number; msg: AgentsJobMessage }
  /** The framework killed that slot's "process" (unresponsive, over its memory limit, not closing in time): abandon its job. */
  | { slot: number; kill: true }
  /** The worker has no slot left in this host: finish what is still closing and exit. */
  | { close: true };

/** Host → worker. */
export type FromJobHost =
  | { slot: number; msg: AgentsJobMessage }
  /** That slot's job is over, as a child process's exit: 0 after `done`, 1 when the job crashed. */
  | { slot: number; exit: number };

/** The exit code a slot reports for a crashed job, as Node's for a process ended by an uncaught exception. */
export const CRASHED_EXIT_CODE = 1;

import { JobContext, jobLifecycle, log, runWithJobContext, runWithJobContextAsync, type AgentDefinition, type JobProcess, type RunningJobInfo } from '@livekit/agents';
import { Room, RoomEvent } from '@livekit/rtc-node';
import { AsyncResource } from 'node:async_hooks';
import { EventEmitter, once } from 'node:events';
import type { AgentsJobMessage } from './job-host.protocol';

/** The framework's logger (its own pino's type). */
export type AgentsLogger = ReturnType<typeof log>;
type InferenceExecutor = ConstructorParameters<typeof JobContext>[5];

/** Why a job closes, in the framework's words where it has them (its job process's `EXIT_REASON`). */
export const CLOSE_REASON = {
  roomDisconnected: 'room disconnected',
  shutdownRequest: 'shutdown request',
  jobCrashed: 'job crashed',
  killed: 'job killed',
} as const;

export interface HostedJobOptions {
  proc: JobProcess;
  agent: AgentDefinition;
  info: RunningJobInfo;
  logger: AgentsLogger;
  sessionEndTimeout: number;
  inference: InferenceExecutor;
  /** To the worker, for this job's slot. */
  send(msg: AgentsJobMessage): void;
}

/**
 * One job run to its end as LiveKit Agents' job process runs it (`startJob` in job_proc_lazy_main.js, with the
 * framework's own lifecycle steps): the entry runs in the job's context; a close (the room gone, a shutdown request,
 * the entry's own `ctx.shutdown`, a crash) says `exiting`, gives the entry its time to return, closes the session,
 * says `shuttingDown`, leaves the room, runs the shutdown callbacks and says `done`. Unlike there, the process goes
 * on: other jobs share it.
 */
export class HostedJob {
  readonly ctx: JobContext;
  /** Resolves once `done` is sent. */
  readonly ended: Promise<void>;
  readonly #closeEvent = new EventEmitter();
  #crashed = false;

  constructor(opts: HostedJobOptions) {
    const { agent, logger, send } = opts;
    let shutdown = false;
    const room = new Room();
    room.on(RoomEvent.Disconnected, () => {
      if (!shutdown) this.close(CLOSE_REASON.roomDisconnected);
    });
    this.ctx = new JobContext(opts.proc, opts.info, room, () => undefined, (reason) => {
      shutdown = true;
      this.close(reason);
    }, opts.inference);
    this.ctx._simulationEndFnc = agent.onSimulationEnd;
    const ctx = this.ctx;
    // Room events come from the native client in no job's context. Emitted in this job's, an exception a listener
    // throws (or anything it starts) is this job's crash, not the host's (job-host.ts).
    room.emit = runWithJobContext(ctx, () => AsyncResource.bind(room.emit.bind(room))) as Room['emit'];

    this.ended = (async () => {
      const closed = once(this.#closeEvent, 'close').then(([reason]: unknown[]) => {
        logger.debug({ reason }, 'shutting down');
        shutdown = true;
        send({ case: 'exiting', value: { reason } });
      });
      const entry = runWithJobContextAsync(ctx, () => agent.entry(ctx));
      void entry.catch(() => this.crash());
      await closed;
      await jobLifecycle.waitForEntrypointShutdown(entry, logger);
      try {
        await runWithJobContextAsync(ctx, async () => {
          try {
            await jobLifecycle.finalizeSession(ctx, agent.onSessionEnd, opts.sessionEndTimeout, logger);
          } finally {
            send({ case: 'shuttingDown', value: undefined });
          }
          try {
            await room.disconnect();
          } catch (error) {
            logger.error({ error }, 'error while disconnecting room');
          }
          await jobLifecycle.runShutdownCallbacks(ctx.shutdownCallbacks, logger);
        });
      } finally {
        try {
          await jobLifecycle.flushJobLogs(logger);
        } finally {
          send({ case: 'done', value: undefined });
        }
      }
    })();
  }

  /** The job's entry rejected, or an exception was traced to it. */
  get crashed(): boolean {
    return this.#crashed;
  }

  /** Starts the job's close (a later call changes nothing). */
  close(reason: string): void {
    this.#closeEvent.emit('close', reason);
  }

  crash(): void {
    this.#crashed = true;
    this.close(CLOSE_REASON.jobCrashed);
  }
}

import { jobLifecycle, type AgentDefinition, type JobProcess, type RunningJobInfo } from '@livekit/agents';
import { randomUUID } from 'node:crypto';
import { CLOSE_REASON, HostedJob, type AgentsLogger } from './hosted-job';
import { CRASHED_EXIT_CODE, type AgentsJobMessage, type FromJobHost } from './job-host.protocol';

/** What the framework's supervisor sends with `initializeRequest`. */
export interface InitializeRequest {
  loggerOptions: { pretty: boolean; level?: string };
  sessionEndTimeout?: number;
}

export interface HostSlotDeps {
  proc: JobProcess;
  agent: AgentDefinition;
  logger: () => AgentsLogger;
  /** The host's one-time start (the framework's logger, the agent's prewarm), shared by every slot. */
  ready(init: InitializeRequest): Promise<void>;
  send(msg: FromJobHost): void;
  /** Called once, when the slot's job (if it had one) has closed. */
  onEnd(slot: HostSlot): void;
}

interface InferenceReply {
  requestId: string;
  data?: unknown;
  error?: { message?: string };
}

/**
 * One slot of a job host: the job side of the framework's job protocol (job_proc_lazy_main.js's message loop) for
 * one job among several in the process. It answers pings, starts its job, acknowledges and carries out a shutdown,
 * and relays the job's inference calls. Its end is reported as a process's exit would be: 0 after `done`, 1 for a
 * crash, reported as soon as the crash is known (the job's close then runs on unheard).
 */
export class HostSlot {
  #job: HostedJob | null = null;
  #sessionEndTimeout = 0;
  #exitReported = false;
  #ended = false;
  /** What came before the slot said `initializeResponse` (a shutdown while the host prewarms), handled after it. */
  #early: AgentsJobMessage[] | null = [];
  readonly #inference = new Map<string, { resolve(reply: InferenceReply): void }>();

  constructor(
    readonly id: number,
    private readonly deps: HostSlotDeps,
  ) {}

  get job(): HostedJob | null {
    return this.#job;
  }

  handle(msg: AgentsJobMessage): void {
    if (msg.case === 'initializeRequest') void this.#initialize(msg.value as InitializeRequest);
    else if (this.#early) this.#early.push(msg);
    else this.#dispatch(msg);
  }

  #dispatch(msg: AgentsJobMessage): void {
    switch (msg.case) {
      case 'pingRequest':
        this.#send({ case: 'pongResponse', value: { lastTimestamp: (msg.value as { timestamp: number }).timestamp, timestamp: Date.now() } });
        break;
      case 'startJobRequest':
        this.#start((msg.value as { runningJob: RunningJobInfo }).runningJob);
        break;
      case 'shutdownRequest':
        this.#send({ case: 'shutdownRequestAck', value: undefined });
        if (this.#job) {
          this.#job.close((msg.value as { reason?: string } | undefined)?.reason ?? CLOSE_REASON.shutdownRequest);
        } else {
          this.#send({ case: 'shuttingDown', value: undefined });
          this.#end(0);
        }
        break;
      case 'inferenceResponse': {
        const reply = msg.value as InferenceReply;
        this.#inference.get(reply.requestId)?.resolve(reply);
        this.#inference.delete(reply.requestId);
        break;
      }
    }
  }

  /** An uncaught exception traced to this slot's job: reported now as its process's crash; the job closes behind. */
  crash(): void {
    if (!this.#job || this.#exitReported) return;
    this.#reportExit(CRASHED_EXIT_CODE);
    this.#job.crash();
  }

  /** The worker killed this slot: nothing more is said for it; its job, if any, is closed. */
  abandon(): void {
    this.#exitReported = true;
    if (this.#job) this.#job.close(CLOSE_REASON.killed);
    else this.#end(0);
  }

  async #initialize(init: InitializeRequest): Promise<void> {
    this.#sessionEndTimeout = jobLifecycle.validateSessionEndTimeout(init.sessionEndTimeout ?? Number.NaN);
    await this.deps.ready(init);
    // The supervisor takes the slot's first message for the answer to its initializeRequest.
    this.#send({ case: 'initializeResponse', value: undefined });
    const early = this.#early ?? [];
    this.#early = null;
    for (const msg of early) this.#dispatch(msg);
  }

  #start(info: RunningJobInfo): void {
    const logger = this.deps.logger().child({ jobID: info.job.id });
    if (this.#job) {
      logger.error('job task already running in this slot: the new job is ignored');
      return;
    }
    const job = new HostedJob({
      proc: this.deps.proc,
      agent: this.deps.agent,
      info,
      logger,
      sessionEndTimeout: this.#sessionEndTimeout,
      inference: { doInference: (method, data) => this.#infer(method, data) },
      send: (msg) => this.#send(msg),
    });
    this.#job = job;
    logger.debug('job started');
    void job.ended
      .catch((error: unknown) => logger.error({ error }, 'job failed to close'))
      .then(() => this.#end(job.crashed ? CRASHED_EXIT_CODE : 0));
  }

  async #infer(method: string, data: unknown): Promise<unknown> {
    const requestId = `inference_job_${randomUUID()}`;
    if (this.#exitReported) throw new Error(`Inference ${method} aborted: the job's slot has ended`);
    const reply = new Promise<InferenceReply>((resolve) => this.#inference.set(requestId, { resolve }));
    this.#send({ case: 'inferenceRequest', value: { requestId, method, data } });
    const { data: result, error } = await reply;
    if (error) throw new Error(`inference of ${method} failed: ${error.message}`);
    return result;
  }

  #send(msg: AgentsJobMessage): void {
    if (!this.#exitReported) this.deps.send({ slot: this.id, msg });
  }

  #reportExit(code: number): void {
    if (this.#exitReported) return;
    this.#exitReported = true;
    this.deps.send({ slot: this.id, exit: code });
  }

  #end(code: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#reportExit(code);
    this.deps.onEnd(this);
  }
}

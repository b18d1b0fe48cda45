import type { LiveKitConfig } from '@callplane/livekit';
import { AgentServer, ServerOptions } from '@livekit/agents';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TurnObserver } from '../session/turn-metrics';
import type { CallLoadSettings } from './call-load';
import { JobHostPool } from './job-host-pool';
import { jobTurnsSocketPath, serveJobTurns } from './job-turns.channel';
import { workerLoad } from './worker-load';
import { existsSync } from 'node:fs';
import path from 'node:path';

/** The name the dialer and the inbound dispatch rules dispatch to (explicit dispatch: no room gets us unasked). */
export const VOICE_AGENT_NAME = 'voice-agent';

export interface LiveKitWorkerOptions {
  livekit: LiveKitConfig;
  logger: Logger;
  /** The job entry module (default: `job.js` next to the service's bundle, or `job.ts` beside this file under tsx). */
  agentFile?: string;
  /** Warm processes kept ready for the next call (each holds Silero's model); default min(cores, 4). With several jobs per process, warm job slots. */
  idleProcesses?: number;
  /** Calls one process runs at once (default 1: a child process per call). Above 1, job hosts (job-host.ts) run them. */
  jobsPerProcess?: number;
  /** The job host's main (default: `job-host.js` next to the service's bundle, or `job-host.ts` beside this file under tsx). */
  jobHostFile?: string;
  /** Load (0–1) at which the worker tells LiveKit it is full and refuses offers (AGENT_LOAD_THRESHOLD). */
  loadThreshold: number;
  /** One call's CPU in cores until the worker has measured it (AGENT_CPU_PER_CALL). */
  cpuPerCall: number;
  /** The load estimate's other settings (worker-load.ts; tests). */
  callLoad?: Partial<CallLoadSettings>;
  /** The process's `/metrics` registry, for the reported load and the CPU per call. */
  registry?: Registry;
  /** LiveKit Agents' own health server (`/` and `/worker`); 0 picks a free port. Default 8081. */
  healthPort?: number;
  /** Stand-in for the load of the calls in hand (tests); offers are then accepted whatever it says. */
  loadFunc?: (server: AgentServer) => Promise<number>;
  /** The turn metrics: the job processes' observations arrive over a local socket (job-turns.channel.ts). */
  turns?: TurnObserver;
  /** Loaded first in every process the framework forks, to route its logs there (default: `defaultLogPreload()`). */
  logPreload?: string | null;
}

/** An entry of the worker's processes: built next to the bundle as `<name>.js`; under tsx, the TypeScript source beside this file. */
function workerEntry(name: string): string {
  const bundled = path.join(path.dirname(__filename), `${name}.js`);
  if (path.extname(__filename) === '.js' && existsSync(bundled)) return bundled;
  return path.join(__dirname, `${name}.ts`);
}

/** Where the job entry is (job.ts). */
export function defaultAgentFile(): string {
  return workerEntry('job');
}

/** Where the job host's main is (job-host.ts). */
export function defaultJobHostFile(): string {
  return workerEntry('job-host');
}

/** A TypeScript job host runs under tsx, as Silero's inference thread does in tests (session/vad/inference.ts). */
function hostExecArgv(hostFile: string): string[] | undefined {
  return path.extname(hostFile) === '.ts' ? [...process.execArgv, '--require', 'tsx/cjs'] : undefined;
}

// A job told to stop says its goodbye (≤ 4 s), reports and deletes its room: 10 s is plenty, and it keeps closing
// inside the 15 s the service leaves between the drain's grace and its forced exit.
const JOB_CLOSE_TIMEOUT_MS = 10_000;

/**
 * The preload that routes the framework's logs in the processes it forks (worker/agents-log.preload.ts), built as
 * agents-log.js next to the bundle. None under tsx, which cannot preload TypeScript ahead of its own loader: there the
 * job entry routes its process's logs itself, and only the inference process logs in the framework's format.
 */
export function defaultLogPreload(): string | null {
  const bundled = path.join(path.dirname(__filename), 'agents-log.js');
  return path.extname(__filename) === '.js' && existsSync(bundled) ? bundled : null;
}

/**
 * The framework forks its job and inference processes with this process's environment and no way to add to it:
 * NODE_OPTIONS is how a module of ours runs first in each of them.
 */
function preloadInForkedProcesses(file: string): void {
  const flag = `--require ${JSON.stringify(file)}`;
  const current = process.env.NODE_OPTIONS ?? '';
  if (!current.includes(flag)) process.env.NODE_OPTIONS = `${current} ${flag}`.trim();
}

/**
 * The voice agent as a LiveKit Agents worker: registered under `voice-agent` for explicit dispatch, each call in its
 * own child process (a crashed call takes no other call with it), or with `jobsPerProcess` above 1 several calls to
 * a job host (a crashed call still ends alone; a host's native crash ends its calls). `drain` stops taking jobs
 * (LiveKit is told the worker is full and new offers are refused) and waits for live calls up to the grace period.
 */
export class LiveKitWorker {
  readonly #server: AgentServer;
  readonly #log: Logger;
  readonly #turns: TurnObserver | undefined;
  readonly #hosts: JobHostPool | null;
  #running: Promise<void> | null = null;
  #turnsServed: Promise<{ close(): Promise<void> } | null> = Promise.resolve(null);

  constructor(opts: LiveKitWorkerOptions) {
    this.#log = opts.logger.child({ component: 'livekit-worker' });
    this.#turns = opts.turns;
    const preload = opts.logPreload === undefined ? defaultLogPreload() : opts.logPreload;
    if (preload) preloadInForkedProcesses(preload);
    const { loadThreshold } = opts;
    // Not the framework's default (the machine's CPU of the moment): the calls in hand at their measured cost.
    const load = opts.loadFunc
      ? { loadFunc: opts.loadFunc }
      : workerLoad({ threshold: loadThreshold, settings: { cpuPerCall: opts.cpuPerCall, ...opts.callLoad }, logger: this.#log, registry: opts.registry });
    this.#hosts = (opts.jobsPerProcess ?? 1) > 1 ? this.#jobHosts(opts.jobsPerProcess!, opts.jobHostFile ?? defaultJobHostFile()) : null;
    const options = new ServerOptions({
      agent: opts.agentFile ?? defaultAgentFile(),
      agentName: VOICE_AGENT_NAME,
      wsURL: opts.livekit.url,
      apiKey: opts.livekit.apiKey,
      apiSecret: opts.livekit.apiSecret,
      production: true,
      numIdleProcesses: opts.idleProcesses,
      loadThreshold,
      ...load,
      port: opts.healthPort,
      shutdownProcessTimeout: JOB_CLOSE_TIMEOUT_MS,
      jobProcessFactory: this.#hosts?.processFor,
    });
    // Unpatched, the framework drops the option and forks a process per call: say so rather than run otherwise.
    if (this.#hosts && options.jobProcessFactory !== this.#hosts.processFor) {
      throw new Error('several jobs per process need patches/@livekit+agents+1.8.1.patch applied (npx patch-package)');
    }
    this.#server = new AgentServer(options);
  }

  #jobHosts(jobsPerProcess: number, hostFile: string): JobHostPool {
    const hosts = new JobHostPool({ hostFile, execArgv: hostExecArgv(hostFile), jobsPerProcess, closeTimeoutMs: JOB_CLOSE_TIMEOUT_MS, logger: this.#log });
    hosts.on('jobEnded', (job) => {
      if (job.code === 0 || job.jobId === undefined) return;
      const fields = { job_id: job.jobId, room: job.roomName, job_host_pid: job.pid, code: job.code, signal: job.signal };
      if (job.withHost) this.#log.warn(fields, 'call ended with its job host');
      else if (job.signal) this.#log.warn(fields, 'call killed by the worker (unresponsive, or not closing in time): ended alone, its job host goes on');
      else this.#log.warn(fields, 'call crashed: ended alone, its job host goes on');
    });
    return hosts;
  }

  /** The job hosts, when calls share processes. */
  get jobHosts(): JobHostPool | null {
    return this.#hosts;
  }

  get server(): AgentServer {
    return this.#server;
  }

  get activeCalls(): number {
    return this.#server.activeJobs.length;
  }

  /** Connects to LiveKit and registers; runs until closed. A worker that cannot reach LiveKit after its retries exits the process. */
  start(onFatal: (err: unknown) => void): void {
    const turns = this.#turns;
    if (turns) {
      // Before the first job process can connect: they are forked once the worker runs.
      this.#turnsServed = serveJobTurns(jobTurnsSocketPath(process.pid), turns, this.#log).catch((err: unknown) => {
        this.#log.warn({ err }, 'cannot take turn metrics from job processes: voice_agent_turn_* stay empty');
        return null;
      });
    }
    this.#running = this.#server.run().catch((err: unknown) => {
      this.#log.error({ err }, 'LiveKit worker stopped');
      onFatal(err);
    });
  }

  /** Takes no new calls; lets live ones finish for up to `graceMs`, then closes (ending any call still up). */
  async drain(graceMs: number): Promise<void> {
    const live = this.activeCalls;
    this.#log.info({ active_calls: live, grace_ms: graceMs }, 'draining: no new calls, waiting for live ones');
    try {
      await this.#server.drain(graceMs);
    } catch (err) {
      this.#log.warn({ err, active_calls: this.activeCalls }, 'grace period over with calls still up: closing them');
    }
    await this.#server.close();
    await this.#hosts?.close();
    await this.#running;
    await (await this.#turnsServed)?.close();
  }
}

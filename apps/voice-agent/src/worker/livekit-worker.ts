import type { LiveKitConfig } from '@callplane/livekit';
import { AgentServer, ServerOptions } from '@livekit/agents';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TurnObserver } from '../session/turn-metrics';
import type { CallLoadSettings } from './call-load';
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
  /** Warm processes kept ready for the next call (each holds Silero's model); default min(cores, 4). */
  idleProcesses?: number;
  /** Load (0–1) at which the worker tells LiveKit it is full and refuses offers; default 0.7. */
  loadThreshold?: number;
  /** One call's CPU in cores until the worker has measured it (AGENT_CPU_PER_CALL); default 0.1. */
  cpuPerCall?: number;
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

/** Where the job entry is: built next to the bundle as job.js; under tsx, the TypeScript source beside this file. */
export function defaultAgentFile(): string {
  const bundled = path.join(path.dirname(__filename), 'job.js');
  if (path.extname(__filename) === '.js' && existsSync(bundled)) return bundled;
  return path.join(__dirname, 'job.ts');
}

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
 * own child process (a crashed call takes no other call with it). `drain` stops taking jobs (LiveKit is told the
 * worker is full and new offers are refused) and waits for live calls up to the grace period.
 */
export class LiveKitWorker {
  readonly #server: AgentServer;
  readonly #log: Logger;
  readonly #turns: TurnObserver | undefined;
  #running: Promise<void> | null = null;
  #turnsServed: Promise<{ close(): Promise<void> } | null> = Promise.resolve(null);

  constructor(opts: LiveKitWorkerOptions) {
    this.#log = opts.logger.child({ component: 'livekit-worker' });
    this.#turns = opts.turns;
    const preload = opts.logPreload === undefined ? defaultLogPreload() : opts.logPreload;
    if (preload) preloadInForkedProcesses(preload);
    const loadThreshold = opts.loadThreshold ?? 0.7;
    // Not the framework's default (the machine's CPU of the moment): the calls in hand at their measured cost.
    const load = opts.loadFunc
      ? { loadFunc: opts.loadFunc }
      : workerLoad({ threshold: loadThreshold, settings: { cpuPerCall: opts.cpuPerCall ?? 0.1, ...opts.callLoad }, logger: this.#log, registry: opts.registry });
    this.#server = new AgentServer(
      new ServerOptions({
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
        // A job told to stop says its goodbye (≤ 4 s), reports and deletes its room: 10 s is plenty, and it keeps
        // closing inside the 15 s the service leaves between the drain's grace and its forced exit.
        shutdownProcessTimeout: 10_000,
      }),
    );
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
    await this.#running;
    await (await this.#turnsServed)?.close();
  }
}

import type { AgentServer, JobRequest } from '@livekit/agents';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import { CallLoad, CALL_LOAD_DEFAULTS, type CallLoadFigures, type CallLoadSettings } from './call-load';
import { availableCores, processTreeCpuSeconds } from './process-tree-cpu';

export interface WorkerLoadOptions {
  /** The load (0–1) at which the worker is full. */
  threshold: number;
  /** One call's CPU in cores until measured; the other settings default (CALL_LOAD_DEFAULTS, this machine's cores). */
  settings: Pick<CallLoadSettings, 'cpuPerCall'> & Partial<CallLoadSettings>;
  logger: Logger;
  /** The process's `/metrics` registry: the reported load and its figures. */
  registry?: Registry;
}

export interface WorkerLoad {
  /** ServerOptions.loadFunc: the framework calls it every 2.5 s and reports the result to LiveKit (full at the threshold). */
  loadFunc(server: AgentServer): Promise<number>;
  /** ServerOptions.requestFunc: accepts an offer unless the calls in hand fill the worker; the accepted call counts at once. */
  requestFunc(req: JobRequest): Promise<void>;
}

/**
 * The voice agent's load as LiveKit hears it (call-load.ts), from the CPU of the worker's process tree. LiveKit only
 * learns of the calls the worker took at its next status update, up to 2.5 s later, and may offer more meanwhile: the
 * worker refuses those once the calls in hand fill it. Not on the CPU measured alone: LiveKit was told of that at the
 * last update, and a passing peak (a warm process starting) is no reason to turn a caller away.
 */
export function workerLoad(opts: WorkerLoadOptions): WorkerLoad {
  const load = new CallLoad({ ...CALL_LOAD_DEFAULTS, cores: availableCores(), ...opts.settings });
  const gauges = opts.registry ? loadGauges(opts.registry) : null;
  const now = () => performance.now();
  const log = opts.logger;
  return {
    async loadFunc(server) {
      const cpuSeconds = await processTreeCpuSeconds();
      load.sample({ at: now(), cpuSeconds, calls: server.activeJobs.map((j) => j.job.id) });
      const f = load.figures(now());
      gauges?.(f);
      return f.load;
    },
    async requestFunc(req) {
      const f = load.figures(now());
      if (f.callsLoad >= opts.threshold) {
        log.info({ job_id: req.id, load: f.callsLoad, calls_in_hand: f.callsInHand, cpu_per_call: f.cpuPerCall }, 'full: refusing the offer of a call');
        return req.reject();
      }
      load.accepted(req.id, now());
      await req.accept();
    },
  };
}

function loadGauges(registry: Registry): (f: CallLoadFigures) => void {
  const gauge = (name: string, help: string) => {
    // One worker per process; a test that builds another on the same registry gets fresh gauges.
    registry.removeSingleMetric(name);
    return new Gauge({ name, help, registers: [registry] });
  };
  const reported = gauge('voice_agent_reported_load', 'The load (0-1) the worker reports to LiveKit: full at AGENT_LOAD_THRESHOLD');
  const perCall = gauge('voice_agent_cpu_per_call_seconds', "One call's measured CPU, in CPU seconds per second (AGENT_CPU_PER_CALL until measured)");
  const base = gauge('voice_agent_base_cpu_seconds', "The worker's CPU with no call, in CPU seconds per second");
  const inHand = gauge('voice_agent_calls_in_hand', 'Calls running or accepted, as the load counts them');
  return (f) => {
    reported.set(f.load);
    perCall.set(f.cpuPerCall);
    base.set(f.baseCpu);
    inHand.set(f.callsInHand);
  };
}

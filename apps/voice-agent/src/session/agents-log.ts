import { createLogger, type Logger, type RepeatedMessage, type Schedule } from '@callplane/service-kit';
import pino, { type DestinationStream } from 'pino';

/**
 * Where LiveKit Agents keeps its process-wide logger (`log_core.js`: `log()` reads it, `initializeLogger` writes it).
 * A global symbol, so every copy of the framework a process loads (its ES module build and our bundle's CommonJS
 * one) shares it.
 */
const AGENTS_LOGGER = Symbol.for('@livekit/agents:logger');
/** Ours, once routed in this process. */
const ROUTED = Symbol.for('callplane:agents-logger');

const asNumber = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * Silero's VAD (`delay`, bound to a child logger) and the framework's own (`extraInferenceTimeMs`) warn on every
 * 32 ms inference that runs late: on a small machine about a hundred lines a call, all saying the same thing.
 */
export const SLOW_VAD_WARNING: RepeatedMessage = {
  msg: 'VAD inference is slower than realtime',
  windowMs: 30_000,
  worst: { name: 'delay_ms', read: (fields) => asNumber(fields.delay) ?? asNumber(fields.extraInferenceTimeMs) },
};

export interface AgentsLogOptions {
  /** The service the lines belong to. */
  service: string;
  /** Default: stdout, as the service's own logger. */
  destination?: DestinationStream;
  /** Closes the repeated-warning windows (specs); default a timer. */
  schedule?: Schedule;
}

/**
 * Makes LiveKit Agents log through our logger, so its lines come out as ours do (createLogger: `level` as a label,
 * ISO `time`, `service`) instead of in its own pino format (numeric levels, epoch times, hostname), with
 * `component: "livekit-agents"` and its repeated VAD warning limited.
 *
 * The framework builds a new pino logger each time `initializeLogger` runs: in the worker at start, and again in every
 * job and inference process it forks (with the worker's options). Its logger is therefore replaced where the framework
 * reads it: the framework's own writes only set the level ours logs at. Call it before `initializeLogger` or after;
 * a second call in the same process changes nothing.
 */
export function routeAgentsLogs(opts: AgentsLogOptions): Logger {
  const slots = globalThis as unknown as Record<symbol, unknown>;
  const routed = slots[ROUTED] as Logger | undefined;
  if (routed) return routed;
  const theirs = slots[AGENTS_LOGGER] as { level?: string } | undefined;
  const ours = createLogger({ name: opts.service, level: theirs?.level ?? 'info', destination: opts.destination, repeats: { messages: [SLOW_VAD_WARNING], schedule: opts.schedule } })
    // The framework logs its errors under `error` (its own logger serialises that key): keep their stacks.
    .child({ component: 'livekit-agents' }, { serializers: { error: pino.stdSerializers.err } });
  Object.defineProperty(slots, AGENTS_LOGGER, {
    configurable: true,
    get: () => ours,
    set: (next: { level?: string } | undefined) => {
      if (next?.level) ours.level = next.level;
    },
  });
  slots[ROUTED] = ours;
  return ours;
}

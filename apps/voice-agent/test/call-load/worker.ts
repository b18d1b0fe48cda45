/**
 * The voice agent's LiveKit worker (worker/livekit-worker.ts) with calls that only burn CPU (cpu-burn.job.ts), run
 * under tsx by call-load.process.spec.ts. Its metrics (the load and its figures) are served at METRICS_PORT.
 */
import { initializeLogger } from '@livekit/agents';
import { createServer } from 'node:http';
import path from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { LiveKitWorker } from '../../src/worker/livekit-worker';

const env = process.env;
initializeLogger({ pretty: false, level: 'warn' });
const registry = new Registry();
const worker = new LiveKitWorker({
  livekit: { url: env.LIVEKIT_URL ?? '', apiKey: env.LIVEKIT_API_KEY ?? '', apiSecret: env.LIVEKIT_API_SECRET ?? '' },
  logger: pino({ level: 'info', base: { service: 'voice-agent' } }),
  registry,
  agentFile: path.join(__dirname, 'cpu-burn.job.ts'),
  idleProcesses: 1,
  healthPort: Number(env.AGENT_HEALTH_PORT),
  logPreload: null,
  loadThreshold: Number(env.AGENT_LOAD_THRESHOLD),
  cpuPerCall: Number(env.AGENT_CPU_PER_CALL),
  callLoad: { cores: Number(env.CALL_LOAD_CORES) },
});
createServer((_req, res) => void registry.metrics().then((text) => res.end(text))).listen(Number(env.METRICS_PORT), '127.0.0.1');
worker.start(() => process.exit(1));

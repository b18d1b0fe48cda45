import { AGENT_WORKER_ENV, loadEnv, SERVICE_BASE_ENV } from '@callplane/config';
import { recordingStorageFromEnv } from '@callplane/livekit';
import { providerKeysFromEnv } from './session/plugins';
import type { LiveKitWorkerOptions } from './worker/livekit-worker';

export const VOICE_AGENT_ENV = [...SERVICE_BASE_ENV, 'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', ...AGENT_WORKER_ENV, 'AGENTS_LOG'] as const;

export type VoiceAgentConfig = ReturnType<typeof loadVoiceAgentConfig>;

/**
 * The worker's settings, and with them where call recordings go (`RECORDING_*`: a bad one stops the worker at start,
 * not a call) and the vendor keys the plugins use. Each call's job process loads them again from the environment it
 * inherited.
 */
export function loadVoiceAgentConfig(env: NodeJS.ProcessEnv = process.env) {
  // Calls last minutes: the drain waits for them (Kubernetes gives the pod as long as terminationGracePeriodSeconds).
  const config = loadEnv(VOICE_AGENT_ENV, { PORT: '3005', SHUTDOWN_GRACE_SECONDS: '600', ...env });
  return { ...config, recordings: recordingStorageFromEnv(env), providerKeys: providerKeysFromEnv(env) };
}

/** The LiveKit worker's settings from the environment (AGENT_WORKER_ENV), for the voice agent and the all-in-one. */
export function workerSettingsFrom(config: {
  AGENT_HEALTH_PORT: number;
  AGENT_IDLE_PROCESSES?: number;
  AGENT_JOBS_PER_PROCESS: number;
  AGENT_LOAD_THRESHOLD: number;
  AGENT_CPU_PER_CALL: number;
}): Omit<LiveKitWorkerOptions, 'livekit' | 'logger'> {
  return {
    healthPort: config.AGENT_HEALTH_PORT,
    idleProcesses: config.AGENT_IDLE_PROCESSES,
    jobsPerProcess: config.AGENT_JOBS_PER_PROCESS,
    loadThreshold: config.AGENT_LOAD_THRESHOLD,
    cpuPerCall: config.AGENT_CPU_PER_CALL,
  };
}

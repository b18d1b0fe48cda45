import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';
import { recordingStorageFromEnv } from '@callplane/livekit';
import { providerKeysFromEnv } from './session/plugins';

export const VOICE_AGENT_ENV = [
  ...SERVICE_BASE_ENV, 'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'AGENT_HEALTH_PORT', 'AGENT_IDLE_PROCESSES', 'AGENT_JOBS_PER_PROCESS', 'AGENT_LOAD_THRESHOLD', 'AGENT_CPU_PER_CALL', 'AGENTS_LOG',
] as const;

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

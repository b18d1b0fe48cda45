import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';

export const VOICE_AGENT_ENV = [
  ...SERVICE_BASE_ENV, 'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'AGENT_HEALTH_PORT', 'AGENT_IDLE_PROCESSES', 'AGENT_LOAD_THRESHOLD',
] as const;

export type VoiceAgentConfig = ReturnType<typeof loadVoiceAgentConfig>;

export function loadVoiceAgentConfig(env: NodeJS.ProcessEnv = process.env) {
  // Calls last minutes: the drain waits for them (Kubernetes gives the pod as long as terminationGracePeriodSeconds).
  return loadEnv(VOICE_AGENT_ENV, { PORT: '3005', SHUTDOWN_GRACE_SECONDS: '600', ...env });
}

/** The LiveKit server when its URL and key pair are all set; otherwise the voice agent runs the sandbox. */
export function liveKitOf(config: VoiceAgentConfig): { url: string; apiKey: string; apiSecret: string } | undefined {
  return config.LIVEKIT_URL && config.LIVEKIT_API_KEY && config.LIVEKIT_API_SECRET
    ? { url: config.LIVEKIT_URL, apiKey: config.LIVEKIT_API_KEY, apiSecret: config.LIVEKIT_API_SECRET }
    : undefined;
}

/** LiveKit's API: where it is, and the key pair our requests are signed with. */
export interface LiveKitSettings {
  url: string;
  apiKey: string;
  apiSecret: string;
}

/** The LiveKit variables as a service's config holds them; each may be unset (the service then runs without LiveKit). */
export interface LiveKitEnv {
  LIVEKIT_URL?: string;
  LIVEKIT_API_KEY?: string;
  LIVEKIT_API_SECRET?: string;
  LIVEKIT_SIP_HOST?: string;
}

/**
 * LiveKit's key pair when both halves are set: all that verifying LiveKit's webhooks needs (the gateway calls no
 * LiveKit API, so it has no URL).
 */
export function livekitKeyPair(config: Pick<LiveKitEnv, 'LIVEKIT_API_KEY' | 'LIVEKIT_API_SECRET'>): { apiKey: string; apiSecret: string } | undefined {
  const { LIVEKIT_API_KEY: apiKey, LIVEKIT_API_SECRET: apiSecret } = config;
  return apiKey && apiSecret ? { apiKey, apiSecret } : undefined;
}

/**
 * Whether LiveKit is configured, decided here for every service: its URL and key pair are all set, and with
 * `{ sipHost: true }` its SIP host too (what provisioning's trunks point carriers at). Undefined otherwise: the dialer
 * then calls only sandbox numbers, the voice agent runs the sandbox media plane, BYOK imports answer
 * `livekit_not_configured`.
 */
export function livekitSettings(config: LiveKitEnv): LiveKitSettings | undefined;
export function livekitSettings(config: LiveKitEnv, opts: { sipHost: true }): (LiveKitSettings & { sipHost: string }) | undefined;
export function livekitSettings(config: LiveKitEnv, opts: { sipHost?: boolean } = {}): (LiveKitSettings & { sipHost?: string }) | undefined {
  const keys = livekitKeyPair(config);
  const url = config.LIVEKIT_URL;
  if (!url || !keys) return undefined;
  if (!opts.sipHost) return { url, ...keys };
  return config.LIVEKIT_SIP_HOST ? { url, ...keys, sipHost: config.LIVEKIT_SIP_HOST } : undefined;
}

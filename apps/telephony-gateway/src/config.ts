import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';

export const GATEWAY_ENV = [...SERVICE_BASE_ENV, 'PUBLIC_BASE_URL', 'CREDENTIALS_KEY', 'CREDENTIALS_KEY_PREVIOUS', 'LIVEKIT_SIP_HOST', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'EXOTEL_API_BASE_URL'] as const;

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(GATEWAY_ENV, { PORT: '3001', ...env });
}

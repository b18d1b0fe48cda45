import { loadEnv } from '@callplane/config';

export const GATEWAY_ENV = [
  'PORT', 'HOST', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'KAFKA_BROKERS', 'KAFKA_IDEMPOTENT', 'KAFKA_NAMESPACE',
  'PUBLIC_BASE_URL', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'LIVEKIT_SIP_HOST', 'SHUTDOWN_GRACE_SECONDS',
] as const;

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(GATEWAY_ENV, { PORT: '3001', ...env });
}

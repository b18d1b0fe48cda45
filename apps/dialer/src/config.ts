import { loadEnv } from '@callplane/config';

export const DIALER_ENV = [
  'PORT', 'HOST', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'KAFKA_BROKERS', 'KAFKA_IDEMPOTENT', 'KAFKA_NAMESPACE',
  'PUBLIC_BASE_URL', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'WEBHOOK_ALLOW_PRIVATE_TARGETS', 'SHUTDOWN_GRACE_SECONDS',
] as const;

export type DialerConfig = ReturnType<typeof loadDialerConfig>;

export function loadDialerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(DIALER_ENV, { PORT: '3003', ...env });
}

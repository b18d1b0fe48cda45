import { loadEnv } from '@callplane/config';

export const PROVISIONING_ENV = [
  'PORT', 'HOST', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'KAFKA_BROKERS', 'KAFKA_IDEMPOTENT', 'KAFKA_NAMESPACE',
  'PUBLIC_BASE_URL', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'SHUTDOWN_GRACE_SECONDS',
] as const;

export type ProvisioningConfig = ReturnType<typeof loadProvisioningConfig>;

export function loadProvisioningConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(PROVISIONING_ENV, { PORT: '3002', ...env });
}

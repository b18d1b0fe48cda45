import { loadEnv } from '@callplane/config';

export const ANALYTICS_ENV = ['PORT', 'HOST', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'KAFKA_BROKERS', 'KAFKA_IDEMPOTENT', 'KAFKA_NAMESPACE', 'ADMIN_TOKEN', 'SHUTDOWN_GRACE_SECONDS'] as const;

export type AnalyticsConfig = ReturnType<typeof loadAnalyticsConfig>;

export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(ANALYTICS_ENV, { PORT: '3004', ...env });
}

import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';

export const ANALYTICS_ENV = [...SERVICE_BASE_ENV] as const;

export type AnalyticsConfig = ReturnType<typeof loadAnalyticsConfig>;

export function loadAnalyticsConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(ANALYTICS_ENV, { PORT: '3004', ...env });
}

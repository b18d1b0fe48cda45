import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';

export const DIALER_ENV = [...SERVICE_BASE_ENV, 'PUBLIC_BASE_URL', 'CREDENTIALS_KEY', 'CREDENTIALS_KEY_PREVIOUS', 'WEBHOOK_ALLOW_PRIVATE_TARGETS'] as const;

export type DialerConfig = ReturnType<typeof loadDialerConfig>;

export function loadDialerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(DIALER_ENV, { PORT: '3003', ...env });
}

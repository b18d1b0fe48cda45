import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';

export const DIALER_ENV = [
  ...SERVICE_BASE_ENV, 'PUBLIC_BASE_URL', 'CREDENTIALS_KEY', 'CREDENTIALS_KEY_PREVIOUS', 'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET',
  'TEST_CALL_USER_DAILY_LIMIT', 'TEST_CALL_DESTINATION_DAILY_LIMIT', 'TEST_CALL_MAX_SECONDS', 'TEST_CALL_DISPATCH_TIMEOUT_SECONDS', 'DIAL_RINGING_TIMEOUT_SECONDS',
  'CAMPAIGN_RUNNER_INTERVAL_MS',
  'CONTACTS_UPLOAD_MAX_BYTES',
] as const;

export type DialerConfig = ReturnType<typeof loadDialerConfig>;

export function loadDialerConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(DIALER_ENV, { PORT: '3003', ...env });
}

import { loadEnv, SERVICE_BASE_ENV } from '@callplane/config';

export const PROVISIONING_ENV = [...SERVICE_BASE_ENV, 'PUBLIC_BASE_URL', 'CREDENTIALS_KEY', 'CREDENTIALS_KEY_PREVIOUS',
  'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'LIVEKIT_SIP_HOST', 'TWILIO_API_BASE_URL', 'PLIVO_API_BASE_URL', 'EXOTEL_API_BASE_URL', 'VOBIZ_API_BASE_URL'] as const;

export type ProvisioningConfig = ReturnType<typeof loadProvisioningConfig>;

export function loadProvisioningConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadEnv(PROVISIONING_ENV, { PORT: '3002', ...env });
}

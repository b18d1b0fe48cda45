import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { AGENT_WORKER_ENV, allInOneDataDir, envFields, loadEnv, SECRETS_FILE, SERVICE_BASE_ENV } from '@callplane/config';

export const ALL_IN_ONE_ENV = [
  ...SERVICE_BASE_ENV, 'PUBLIC_BASE_URL', 'CREDENTIALS_KEY', 'CREDENTIALS_KEY_PREVIOUS',
  'LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET', 'LIVEKIT_SIP_HOST', 'WEBHOOK_ALLOW_PRIVATE_TARGETS',
  'TWILIO_API_BASE_URL', 'PLIVO_API_BASE_URL', 'EXOTEL_API_BASE_URL', 'VOBIZ_API_BASE_URL',
  'TEST_CALL_USER_DAILY_LIMIT', 'TEST_CALL_DESTINATION_DAILY_LIMIT', 'TEST_CALL_MAX_SECONDS', 'TEST_CALL_DISPATCH_TIMEOUT_SECONDS', 'DIAL_RINGING_TIMEOUT_SECONDS',
  'CAMPAIGN_RUNNER_INTERVAL_MS',
  'CONTACTS_UPLOAD_MAX_BYTES', 'AGENTS_LOG', 'CALL_REAPER_GRACE_SECONDS',
  // With LiveKit configured, the voice agent's worker reads its own as the service does.
  ...AGENT_WORKER_ENV,
] as const;

interface LocalSecrets {
  admin_token: string;
  credentials_key: string;
}

/**
 * The all-in-one needs no settings: the database and bus are embedded, and the operator token and
 * credentials key are generated on first start and kept (mode 0600) beside the data, so they survive restarts.
 * Any variable set in the environment still wins; setting DATABASE_URL or KAFKA_BROKERS swaps in the real drivers.
 */
export function loadAllInOneConfig(env: NodeJS.ProcessEnv = process.env) {
  const dataDir = allInOneDataDir(env);
  mkdirSync(dataDir, { recursive: true });
  const secretsFile = path.join(dataDir, SECRETS_FILE);
  let secrets: LocalSecrets;
  if (existsSync(secretsFile)) secrets = JSON.parse(readFileSync(secretsFile, 'utf8')) as LocalSecrets;
  else {
    secrets = { admin_token: `cp_admin_${randomBytes(24).toString('base64url')}`, credentials_key: randomBytes(32).toString('base64') };
    writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    chmodSync(secretsFile, 0o600);
  }
  const port = env.PORT ?? '3000';
  const config = loadEnv(
    ALL_IN_ONE_ENV,
    {
      PORT: port,
      PUBLIC_BASE_URL: `http://localhost:${port}`,
      ADMIN_TOKEN: secrets.admin_token,
      CREDENTIALS_KEY: secrets.credentials_key,
      LIVEKIT_SIP_HOST: 'sip.localhost',
      // Local development: status webhooks may go to this machine (e.g. `npm run demo`'s receiver). Set it to false
      // when the all-in-one serves untrusted users.
      WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true',
      ...Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== '')),
    },
    { DATABASE_URL: envFields.DATABASE_URL.optional(), KAFKA_BROKERS: envFields.KAFKA_BROKERS.optional() },
  );
  // The studio's build (`npm run build:studio`), served at `/`; like .data, relative to where the process starts.
  const studioDir = path.resolve(env.CALLPLANE_STUDIO_DIR ?? 'dist/apps/studio');
  return { ...config, dataDir, studioDir };
}

export type AllInOneConfig = ReturnType<typeof loadAllInOneConfig>;

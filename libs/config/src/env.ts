import { z } from 'zod';

/** A bad or missing setting: names the variable, so the operator knows exactly what to fix. */
export class ConfigError extends Error {
  constructor(readonly problems: Array<{ variable: string; message: string }>) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p.variable}: ${p.message}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const base64Key32 = z.string().refine((v) => Buffer.from(v, 'base64').length === 32 && /^[A-Za-z0-9+/]+=*$/.test(v), {
  message: 'must be 32 random bytes, base64-encoded (generate one with: openssl rand -base64 32)',
});

const url = z.string().url('must be a URL such as https://example.com');

const logLevel = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Every variable of API.md's environment contract, as zod fields keyed by variable name. */
export const envFields = {
  PORT: z.coerce.number().int().min(0).max(65535),
  HOST: z.string().default('0.0.0.0'),
  LOG_LEVEL: logLevel.default('info'),
  DATABASE_URL: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgresql:// connection string'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(500).default(10),
  KAFKA_BROKERS: z
    .string()
    .transform((v) => v.split(',').map((b) => b.trim()).filter(Boolean))
    .refine((l) => l.length > 0 && l.every((b) => /^[^\s:]+:\d+$/.test(b)), 'must be host:port[,host:port…]'),
  KAFKA_IDEMPOTENT: bool.default(true),
  /**
   * How long a consumer's fetch may wait at the broker for records (kafkajs' maxWaitTimeInMs, default 5000). A Kafka
   * broker answers as soon as records arrive, so the default costs nothing; a broker that holds an empty fetch for the
   * whole wait (librdkafka's mock cluster, the test broker) delays each event by up to this much: tests and benches set it low.
   */
  KAFKA_FETCH_MAX_WAIT_MS: z.coerce.number().int().min(10).max(30_000).optional(),
  KAFKA_NAMESPACE: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, _ or -').optional(),
  PUBLIC_BASE_URL: url.transform((v) => v.replace(/\/+$/, '')),
  ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters'),
  CREDENTIALS_KEY: base64Key32,
  /** Earlier keys, comma-separated, still accepted for reading while stored secrets are re-sealed (key rotation). */
  CREDENTIALS_KEY_PREVIOUS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .refine((keys) => keys.every((k) => base64Key32.safeParse(k).success), 'must be comma-separated 32-byte base64 keys')
    .optional(),
  LIVEKIT_URL: url.optional(),
  LIVEKIT_API_KEY: z.string().min(1).optional(),
  LIVEKIT_API_SECRET: z.string().min(1).optional(),
  LIVEKIT_SIP_HOST: z.string().regex(/^[A-Za-z0-9.-]+(:\d+)?$/, 'must be a host name such as sip.example.com'),
  TWILIO_API_BASE_URL: url.optional(),
  PLIVO_API_BASE_URL: url.optional(),
  EXOTEL_API_BASE_URL: url.optional(),
  VOBIZ_API_BASE_URL: url.optional(),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: bool.default(false),
  TEST_CALL_USER_DAILY_LIMIT: z.coerce.number().int().min(0).max(10_000).default(5),
  TEST_CALL_DESTINATION_DAILY_LIMIT: z.coerce.number().int().min(0).max(10_000).default(3),
  TEST_CALL_MAX_SECONDS: z.coerce.number().int().min(10).max(3600).default(120),
  TEST_CALL_DISPATCH_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(600).default(90),
  /** How long an outbound call may ring before it counts as unanswered. */
  DIAL_RINGING_TIMEOUT_SECONDS: z.coerce.number().int().min(5).max(300).default(30),
  /** Pause between the campaign runner's rounds: how soon a pace slot, a pause or a window is acted on. */
  CAMPAIGN_RUNNER_INTERVAL_MS: z.coerce.number().int().min(20).max(250).default(200),
  /** The largest campaign contact upload (a CSV body, streamed), in bytes: larger is `413 payload_too_large`. 50 MB holds about a million short rows. */
  CONTACTS_UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(2 ** 31).default(50 * 1024 * 1024),
  SHUTDOWN_GRACE_SECONDS: z.coerce.number().int().min(0).max(3600).default(25),
  /**
   * This process's name among the replicas of its service, kept across its restarts (default: host name and port; see
   * `replicaName`). Must be unique among live processes: a restarted replica ends the calls its previous run left open.
   */
  REPLICA_ID: z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", ":" or "-"').optional(),
  /** How long past a call's maximum (its agent's `max_duration`, or the longest it may ring) the reaper waits before ending it `lost`. */
  CALL_REAPER_GRACE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** The voice agent's LiveKit Agents health server (`/`, `/worker`). */
  AGENT_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(8081),
  /** Warm job processes (Silero loaded) waiting for the next call; each costs a few hundred MB. */
  AGENT_IDLE_PROCESSES: z.coerce.number().int().min(0).max(64).optional(),
  /**
   * Calls one voice-agent process runs at once. 1: a child process per call. More: calls share a process (its memory,
   * its Silero model and VAD batches); one call's crash still ends it alone, but a native crash ends its process's calls.
   */
  AGENT_JOBS_PER_PROCESS: z.coerce.number().int().min(1).max(64).default(1),
  /** Load (0–1) at which the worker reports itself full to LiveKit: the calls in hand at their measured CPU, over its cores. */
  AGENT_LOAD_THRESHOLD: z.coerce.number().min(0.05).max(1).default(0.7),
  /**
   * One call's CPU, in cores, until the worker has measured it. The bench measured 6.5–7.7 % of a core per call with a
   * process per call (bench/README.md): 0.1 is that, rounded up to err on the side of full.
   */
  AGENT_CPU_PER_CALL: z.coerce.number().min(0.001).max(16).default(0.1),
  /** The LiveKit Agents framework's own process-wide logger (the voice agent's media sessions); `debug` to see it. */
  AGENTS_LOG: logLevel.default('warn'),
} as const;

export type EnvField = keyof typeof envFields;

/** What every service reads: where it listens, how it logs and drains, and its database and bus. */
export const SERVICE_BASE_ENV = [
  'PORT', 'HOST', 'LOG_LEVEL', 'SHUTDOWN_GRACE_SECONDS', 'ADMIN_TOKEN', 'REPLICA_ID',
  'DATABASE_URL', 'DATABASE_POOL_SIZE', 'KAFKA_BROKERS', 'KAFKA_IDEMPOTENT', 'KAFKA_FETCH_MAX_WAIT_MS', 'KAFKA_NAMESPACE',
] as const satisfies readonly EnvField[];

/** The voice agent's LiveKit worker (its health server, job processes and load), read wherever that worker runs. */
export const AGENT_WORKER_ENV = [
  'AGENT_HEALTH_PORT', 'AGENT_IDLE_PROCESSES', 'AGENT_JOBS_PER_PROCESS', 'AGENT_LOAD_THRESHOLD', 'AGENT_CPU_PER_CALL',
] as const satisfies readonly EnvField[];

/**
 * Reads and validates the named variables once, at start. Empty strings count as unset.
 * Throws ConfigError listing every bad variable, not just the first.
 */
export function loadEnv<K extends EnvField, O extends Partial<Record<EnvField, z.ZodTypeAny>> = Record<never, never>>(
  keys: readonly K[],
  env: NodeJS.ProcessEnv = process.env,
  overrides?: O,
): { [P in K]: P extends keyof O ? z.output<NonNullable<O[P]>> : z.output<(typeof envFields)[P]> } {
  const shape: Record<string, z.ZodTypeAny> = {};
  for (const k of keys) shape[k] = (overrides?.[k] as z.ZodTypeAny | undefined) ?? envFields[k];
  const input: Record<string, string | undefined> = {};
  for (const k of keys) input[k] = env[k] === '' ? undefined : env[k];
  const res = z.object(shape).safeParse(input);
  if (!res.success) {
    throw new ConfigError(
      res.error.issues.map((i) => ({
        variable: String(i.path[0] ?? '?'),
        message: input[String(i.path[0])] === undefined ? 'is required' : i.message,
      })),
    );
  }
  return res.data as never;
}

export { bool as envBoolean };

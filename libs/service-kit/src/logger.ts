import pino, { type Logger } from 'pino';
import { repeatLimiter, type RepeatedMessage, type Schedule } from './log-repeats';

export type { Logger };
export type { RepeatedMessage, Schedule } from './log-repeats';

/**
 * Paths never written to logs. Credentials and keys are redacted wherever they appear in a logged object,
 * including request headers and provider payloads.
 */
const SECRET_KEYS = [
  'authorization',
  'Authorization',
  'cookie',
  'x-twilio-signature',
  'api_key',
  'apiKey',
  'api_token',
  'auth_token',
  'authToken',
  'password',
  'secret',
  'signing_secret',
  'credentials',
  'token',
  'api_secret',
  'apiSecret',
];

/** Each secret key at the top level and up to four objects deep (pino's wildcards match one level each). */
export const REDACT_PATHS = SECRET_KEYS.flatMap((k) => {
  const key = /^[A-Za-z_]\w*$/.test(k) ? k : `["${k}"]`;
  const join = (prefix: string) => (key.startsWith('[') ? `${prefix}${key}` : `${prefix}.${key}`);
  return [key.startsWith('[') ? `${key}` : key, join('*'), join('*.*'), join('*.*.*'), join('*.*.*.*')];
});

export interface LoggerOptions {
  /** The service: every line carries it as `name` and `service`. */
  name: string;
  level?: string;
  destination?: pino.DestinationStream;
  /** Messages written at most once per window, the rest counted (log-repeats.ts); `schedule` closes the windows (specs). */
  repeats?: { messages: readonly RepeatedMessage[]; schedule?: Schedule };
}

/**
 * The one log format of the platform, for our lines and the libraries' we route here (LiveKit Agents, kafkajs): one
 * JSON object per line, `level` as its label, `time` in ISO-8601, the service named, secrets redacted.
 */
export function createLogger(opts: LoggerOptions): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: opts.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      ...(opts.repeats ? { hooks: { logMethod: repeatLimiter(opts.repeats.messages, opts.repeats.schedule) } } : {}),
    },
    opts.destination,
  );
}

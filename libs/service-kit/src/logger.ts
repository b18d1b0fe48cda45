import pino, { type Logger } from 'pino';

export type { Logger };

/**
 * Paths never written to logs. Credentials and keys are redacted wherever they appear in a logged object,
 * including request headers and provider payloads.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers["x-twilio-signature"]',
  'req.headers.cookie',
  'headers.authorization',
  '*.authorization',
  '*.api_key',
  '*.apiKey',
  '*.api_token',
  '*.auth_token',
  '*.authToken',
  '*.password',
  '*.secret',
  '*.signing_secret',
  '*.credentials',
  '*.token',
  'credentials',
  'api_key',
  'auth_token',
  'password',
  'secret',
  'signing_secret',
];

export function createLogger(opts: { name: string; level?: string; destination?: pino.DestinationStream }): Logger {
  return pino(
    {
      name: opts.name,
      level: opts.level ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      base: { service: opts.name },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    opts.destination,
  );
}

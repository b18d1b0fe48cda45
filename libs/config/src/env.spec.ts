import { z } from 'zod';
import { ConfigError, loadEnv } from './env';

const VALID_KEY = Buffer.alloc(32, 7).toString('base64');

/** Runs loadEnv and returns the ConfigError it throws (fails the test if it does not throw one). */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError, but the configuration was accepted');
}

const variables = (err: ConfigError) => err.problems.map((p) => p.variable).sort();

describe('loadEnv', () => {
  test('reads and converts every valid variable, with defaults for the optional ones', () => {
    const cfg = loadEnv(['PORT', 'HOST', 'LOG_LEVEL', 'DATABASE_URL', 'DATABASE_POOL_SIZE', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'SHUTDOWN_GRACE_SECONDS'], {
      PORT: '8080',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/callplane',
      ADMIN_TOKEN: 'a-long-operator-token',
      CREDENTIALS_KEY: VALID_KEY,
    });
    expect(cfg).toEqual({
      PORT: 8080,
      HOST: '0.0.0.0',
      LOG_LEVEL: 'info',
      DATABASE_URL: 'postgresql://postgres@127.0.0.1:5432/callplane',
      DATABASE_POOL_SIZE: 10,
      ADMIN_TOKEN: 'a-long-operator-token',
      CREDENTIALS_KEY: VALID_KEY,
      SHUTDOWN_GRACE_SECONDS: 25,
    });
  });

  test('names every missing variable at once, not only the first', () => {
    const err = configError(() => loadEnv(['PORT', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'PUBLIC_BASE_URL'], {}));
    expect(variables(err)).toEqual(['ADMIN_TOKEN', 'CREDENTIALS_KEY', 'PORT', 'PUBLIC_BASE_URL']);
    for (const p of err.problems) expect(p.message).toBe('is required');
    expect(err.message).toContain('PORT: is required');
    expect(err.message).toContain('CREDENTIALS_KEY: is required');
    expect(err.name).toBe('ConfigError');
  });

  test('an empty string counts as unset', () => {
    const err = configError(() => loadEnv(['ADMIN_TOKEN'], { ADMIN_TOKEN: '' }));
    expect(err.problems).toEqual([{ variable: 'ADMIN_TOKEN', message: 'is required' }]);
  });

  test('reads only the variables it is asked for', () => {
    expect(loadEnv(['PORT'], { PORT: '1', ADMIN_TOKEN: 'short' })).toEqual({ PORT: 1 });
  });

  test.each(['abc', '-1', '65536', '80.5'])('PORT=%s is refused', (value) => {
    const err = configError(() => loadEnv(['PORT'], { PORT: value }));
    expect(variables(err)).toEqual(['PORT']);
    expect(err.problems[0]!.message).not.toBe('is required');
    expect(err.message).toContain('PORT:');
  });

  test.each(['0', '3000', '65535'])('PORT=%s is accepted as a number', (value) => {
    expect(loadEnv(['PORT'], { PORT: value }).PORT).toBe(Number(value));
  });

  describe('CREDENTIALS_KEY', () => {
    test.each([
      ['16 bytes', Buffer.alloc(16, 1).toString('base64')],
      ['33 bytes', Buffer.alloc(33, 1).toString('base64')],
      ['not base64', 'this is not a key at all!!'],
      ['base64url alphabet', Buffer.alloc(32, 0xfb).toString('base64url')],
    ])('%s is refused with a message saying how to generate one', (_what, value) => {
      const err = configError(() => loadEnv(['CREDENTIALS_KEY'], { CREDENTIALS_KEY: value }));
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]!.variable).toBe('CREDENTIALS_KEY');
      expect(err.problems[0]!.message).toMatch(/32 random bytes/);
    });

    test('32 bytes in base64 are accepted unchanged', () => {
      expect(loadEnv(['CREDENTIALS_KEY'], { CREDENTIALS_KEY: VALID_KEY }).CREDENTIALS_KEY).toBe(VALID_KEY);
    });
  });

  describe('KAFKA_BROKERS', () => {
    test('is split into host:port entries, ignoring spaces and empty entries', () => {
      expect(loadEnv(['KAFKA_BROKERS'], { KAFKA_BROKERS: 'kafka-0:9092, kafka-1:9093,,10.0.0.5:19092' }).KAFKA_BROKERS).toEqual([
        'kafka-0:9092',
        'kafka-1:9093',
        '10.0.0.5:19092',
      ]);
    });

    test.each(['kafka-0', 'kafka-0:9092,kafka-1', 'kafka-0:port', ',', 'kafka 0:9092'])('%j is refused', (value) => {
      const err = configError(() => loadEnv(['KAFKA_BROKERS'], { KAFKA_BROKERS: value }));
      expect(err.problems).toEqual([{ variable: 'KAFKA_BROKERS', message: 'must be host:port[,host:port…]' }]);
    });
  });

  describe('PUBLIC_BASE_URL', () => {
    test.each([
      ['https://voice.example.com/', 'https://voice.example.com'],
      ['https://voice.example.com///', 'https://voice.example.com'],
      ['https://example.com/callplane/', 'https://example.com/callplane'],
      ['http://localhost:3000', 'http://localhost:3000'],
    ])('%s becomes %s (trailing slashes stripped)', (value, expected) => {
      expect(loadEnv(['PUBLIC_BASE_URL'], { PUBLIC_BASE_URL: value }).PUBLIC_BASE_URL).toBe(expected);
    });

    test('a value that is not a URL is refused', () => {
      const err = configError(() => loadEnv(['PUBLIC_BASE_URL'], { PUBLIC_BASE_URL: 'voice.example.com' }));
      expect(err.problems).toEqual([{ variable: 'PUBLIC_BASE_URL', message: 'must be a URL such as https://example.com' }]);
    });
  });

  describe('booleans', () => {
    test.each([
      ['true', true],
      ['1', true],
      ['yes', true],
      ['false', false],
      ['0', false],
      ['no', false],
    ])('%s reads as %s', (value, expected) => {
      expect(loadEnv(['WEBHOOK_ALLOW_PRIVATE_TARGETS', 'KAFKA_IDEMPOTENT'], { WEBHOOK_ALLOW_PRIVATE_TARGETS: value, KAFKA_IDEMPOTENT: value })).toEqual({
        WEBHOOK_ALLOW_PRIVATE_TARGETS: expected,
        KAFKA_IDEMPOTENT: expected,
      });
    });

    test('unset booleans take their documented defaults', () => {
      expect(loadEnv(['WEBHOOK_ALLOW_PRIVATE_TARGETS', 'KAFKA_IDEMPOTENT'], {})).toEqual({ WEBHOOK_ALLOW_PRIVATE_TARGETS: false, KAFKA_IDEMPOTENT: true });
    });

    test.each(['TRUE', 'on', 'maybe'])('%s is refused', (value) => {
      const err = configError(() => loadEnv(['WEBHOOK_ALLOW_PRIVATE_TARGETS'], { WEBHOOK_ALLOW_PRIVATE_TARGETS: value }));
      expect(err.problems).toEqual([{ variable: 'WEBHOOK_ALLOW_PRIVATE_TARGETS', message: 'must be true or false' }]);
    });
  });

  describe('KAFKA_FETCH_MAX_WAIT_MS', () => {
    test('is optional, and read as a whole number of milliseconds', () => {
      expect(loadEnv(['KAFKA_FETCH_MAX_WAIT_MS'], {})).toEqual({});
      expect(loadEnv(['KAFKA_FETCH_MAX_WAIT_MS'], { KAFKA_FETCH_MAX_WAIT_MS: '100' })).toEqual({ KAFKA_FETCH_MAX_WAIT_MS: 100 });
    });

    test.each(['0', '5', '60000', '1.5', 'soon'])('%s is refused, naming the variable', (value) => {
      const err = configError(() => loadEnv(['KAFKA_FETCH_MAX_WAIT_MS'], { KAFKA_FETCH_MAX_WAIT_MS: value }));
      expect(err.problems.map((p) => p.variable)).toEqual(['KAFKA_FETCH_MAX_WAIT_MS']);
    });
  });

  test('reports bad and missing variables together, each under its own name', () => {
    const err = configError(() =>
      loadEnv(['PORT', 'DATABASE_URL', 'ADMIN_TOKEN', 'CREDENTIALS_KEY', 'LIVEKIT_SIP_HOST', 'LOG_LEVEL'], {
        PORT: 'eighty',
        DATABASE_URL: 'mysql://root@db/callplane',
        ADMIN_TOKEN: 'short',
        LIVEKIT_SIP_HOST: 'sip://bad host',
        LOG_LEVEL: 'loud',
      }),
    );
    expect(variables(err)).toEqual(['ADMIN_TOKEN', 'CREDENTIALS_KEY', 'DATABASE_URL', 'LIVEKIT_SIP_HOST', 'LOG_LEVEL', 'PORT']);
    const byName = Object.fromEntries(err.problems.map((p) => [p.variable, p.message]));
    expect(byName.ADMIN_TOKEN).toBe('must be at least 16 characters');
    expect(byName.DATABASE_URL).toBe('must be a postgresql:// connection string');
    expect(byName.CREDENTIALS_KEY).toBe('is required');
    expect(byName.LIVEKIT_SIP_HOST).toBe('must be a host name such as sip.example.com');
  });

  test('an override replaces the shared rule for that variable only', () => {
    const cfg = loadEnv(['PORT', 'DATABASE_URL'], { PORT: '3000' }, { DATABASE_URL: z.string().optional() });
    expect(cfg).toEqual({ PORT: 3000, DATABASE_URL: undefined });
  });
});

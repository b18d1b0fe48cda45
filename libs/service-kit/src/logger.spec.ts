import { createLogger } from './logger';

/** A logger whose lines land in memory, parsed. */
function capture(level = 'info') {
  const lines: string[] = [];
  const logger = createLogger({ name: 'logger-spec', level, destination: { write: (s: string) => void lines.push(s) } });
  const records = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { logger, lines, records };
}

const SECRETS = {
  bearer: 'Bearer cp_live_SECRETKEY0123456789',
  apiKey: 'api-key-SECRET-1111',
  authToken: 'auth-token-SECRET-2222',
  password: 'password-SECRET-3333',
  signingSecret: 'signing-secret-SECRET-4444',
  credential: 'credential-SECRET-5555',
  apiToken: 'api-token-SECRET-6666',
  token: 'token-SECRET-7777',
  secret: 'secret-SECRET-8888',
  signature: 'twilio-signature-SECRET-9999',
  cookie: 'session=cookie-SECRET-0000',
};

describe('createLogger', () => {
  test('writes JSON lines with the service name, level label and ISO time', () => {
    const { logger, records } = capture();
    logger.info({ tenant_id: 'ten_1' }, 'hello');
    expect(records()).toEqual([
      expect.objectContaining({ level: 'info', service: 'logger-spec', name: 'logger-spec', tenant_id: 'ten_1', msg: 'hello', time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) }),
    ]);
  });

  test('respects the level', () => {
    const { logger, lines } = capture('warn');
    logger.info('not written');
    logger.warn('written');
    expect(lines).toHaveLength(1);
  });

  test('redacts request headers: authorization, the Twilio signature and cookies', () => {
    const { logger, lines, records } = capture();
    logger.info({ req: { method: 'POST', url: '/voice/agents', headers: { authorization: SECRETS.bearer, 'x-twilio-signature': SECRETS.signature, cookie: SECRETS.cookie, 'content-type': 'application/json' } } }, 'request');
    const headers = (records()[0]!.req as { headers: Record<string, string> }).headers;
    expect(headers).toEqual({ authorization: '[redacted]', 'x-twilio-signature': '[redacted]', cookie: '[redacted]', 'content-type': 'application/json' });
    for (const s of [SECRETS.bearer, SECRETS.signature, SECRETS.cookie]) expect(lines[0]).not.toContain(s);
  });

  test('redacts secrets logged at the top level of the object', () => {
    const { logger, lines, records } = capture();
    logger.warn(
      { api_key: SECRETS.apiKey, auth_token: SECRETS.authToken, password: SECRETS.password, signing_secret: SECRETS.signingSecret, credentials: { auth_token: SECRETS.credential }, secret: SECRETS.secret, phone_id: 'pn_1' },
      'provider call',
    );
    expect(records()[0]).toMatchObject({
      api_key: '[redacted]',
      auth_token: '[redacted]',
      password: '[redacted]',
      signing_secret: '[redacted]',
      credentials: '[redacted]',
      secret: '[redacted]',
      phone_id: 'pn_1',
    });
    for (const s of Object.values(SECRETS)) expect(lines[0]).not.toContain(s);
  });

  test('redacts secrets one level down, as in provider payloads and bodies', () => {
    const { logger, lines, records } = capture();
    logger.error(
      {
        body: { number: '+14155550142', signing_secret: SECRETS.signingSecret, credentials: { account_sid: 'AC1', auth_token: SECRETS.credential } },
        provider: { authorization: SECRETS.bearer, api_key: SECRETS.apiKey, apiKey: SECRETS.apiKey, api_token: SECRETS.apiToken, authToken: SECRETS.authToken, password: SECRETS.password, token: SECRETS.token, secret: SECRETS.secret },
        headers: { authorization: SECRETS.bearer },
      },
      'import failed',
    );
    const r = records()[0]!;
    expect(r.body).toEqual({ number: '+14155550142', signing_secret: '[redacted]', credentials: '[redacted]' });
    expect(r.provider).toEqual({
      authorization: '[redacted]',
      api_key: '[redacted]',
      apiKey: '[redacted]',
      api_token: '[redacted]',
      authToken: '[redacted]',
      password: '[redacted]',
      token: '[redacted]',
      secret: '[redacted]',
    });
    expect(r.headers).toEqual({ authorization: '[redacted]' });
    for (const s of Object.values(SECRETS)) expect(lines[0]).not.toContain(s);
  });

  test('child loggers keep redacting what they log', () => {
    const { logger, lines } = capture();
    const child = logger.child({ tenant_id: 'ten_1', session_id: 'cs_1' });
    child.info({ credentials: { password: SECRETS.password }, vendor: { auth_token: SECRETS.authToken } }, 'vobiz import');
    expect(lines[0]).toContain('"session_id":"cs_1"');
    expect(lines[0]).not.toContain(SECRETS.password);
    expect(lines[0]).not.toContain(SECRETS.authToken);
  });

  test('secrets bound to a child logger are redacted on every line it writes', () => {
    const { logger, lines, records } = capture();
    const child = logger.child({ phone_id: 'pn_1', credentials: { auth_token: SECRETS.credential }, auth_token: SECRETS.authToken });
    child.info('first');
    child.warn('second');
    expect(lines).toHaveLength(2);
    for (const r of records()) expect(r).toMatchObject({ phone_id: 'pn_1', credentials: '[redacted]', auth_token: '[redacted]' });
    for (const l of lines) {
      expect(l).not.toContain(SECRETS.credential);
      expect(l).not.toContain(SECRETS.authToken);
    }
  });

  test('does not touch fields that merely resemble secret names', () => {
    const { logger, records } = capture();
    logger.info({ credential_hint: '…6789', api_key_hint: '…abcd', signed_webhooks: true }, 'number');
    expect(records()[0]).toMatchObject({ credential_hint: '…6789', api_key_hint: '…abcd', signed_webhooks: true });
  });
});

describe('createLogger, secrets nested deeper and capitalised headers', () => {
  test('redacts a provider payload several objects deep and a capitalised Authorization header', () => {
    const { logger, lines, records } = capture();
    logger.info(
      { req: { body: { credentials: { auth_token: SECRETS.authToken } }, headers: { Authorization: SECRETS.bearer } }, request: { headers: { Authorization: SECRETS.bearer } }, a: { b: { c: { password: SECRETS.password } } } },
      'nested',
    );
    expect(lines[0]).not.toContain(SECRETS.authToken);
    expect(lines[0]).not.toContain(SECRETS.bearer);
    expect(lines[0]).not.toContain(SECRETS.password);
    expect(records()[0]).toMatchObject({ req: { body: { credentials: '[redacted]' }, headers: { Authorization: '[redacted]' } }, a: { b: { c: { password: '[redacted]' } } } });
  });
});

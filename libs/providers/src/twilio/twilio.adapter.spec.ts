import { FakeTwilio, twilioError } from '@callplane/testing';
import { ProviderError } from '../provider-adapter';
import { createTwilioAdapter } from './twilio.adapter';

const AC = 'AC' + 'a'.repeat(32);
const TOKEN = 'secret-token-' + 'b'.repeat(19);
const OTHER_AC = 'AC' + 'c'.repeat(32);
const creds = { account_sid: AC, auth_token: TOKEN };
const ACCOUNT_PATH = new RegExp(`^/2010-04-01/Accounts/${AC}\\.json$`);
const NUMBERS_PATH = new RegExp(`^/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers\\.json$`);

/** Resolves to the ProviderError a call threw; fails the test when it resolved instead. */
async function providerErrorOf(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('Twilio adapter against FakeTwilio', () => {
  const fake = new FakeTwilio({
    accounts: [
      {
        sid: AC,
        authToken: TOKEN,
        numbers: [
          { sid: 'PN' + '1'.repeat(32), phoneNumber: '+14155552671', friendlyName: 'Main line' },
          { sid: 'PN' + '2'.repeat(32), phoneNumber: '+919876543210', friendlyName: 'Bengaluru' },
          { sid: 'PN' + '3'.repeat(32), phoneNumber: '442071838750', friendlyName: 'London' }, // listed without +: normalised
        ],
      },
      { sid: OTHER_AC, authToken: 'other-token', numbers: [{ sid: 'PN' + '9'.repeat(32), phoneNumber: '+14155552672' }] },
    ],
  });
  const adapter = (o: { timeoutMs?: number; pageSize?: number } = {}) => createTwilioAdapter({ apiBaseUrl: fake.url, ...o });

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('accepts valid credentials, fetching the account with HTTP Basic SID:token', async () => {
    const before = fake.requestsTo('GET', ACCOUNT_PATH).length;
    await expect(adapter().validateCredentials(creds)).resolves.toBeUndefined();
    const sent = fake.requestsTo('GET', ACCOUNT_PATH);
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)!.headers.authorization).toBe(`Basic ${Buffer.from(`${AC}:${TOKEN}`).toString('base64')}`);
  });

  it('answers a wrong token with invalid_credentials, not retryable, without echoing the token', async () => {
    const wrong = 'wrong-token-' + 'z'.repeat(20);
    const err = await providerErrorOf(adapter().validateCredentials({ account_sid: AC, auth_token: wrong }));
    expect(err).toMatchObject({ code: 'invalid_credentials', retryable: false, opts: expect.objectContaining({ providerStatus: 401 }) });
    expect(err.message).toMatch(/Account SID and Auth Token/);
    expect(err.message).not.toContain(wrong);
    expect(JSON.stringify(err.opts.cause)).not.toContain(wrong);
  });

  it('answers a malformed SID with invalid_credentials before calling Twilio', async () => {
    const before = fake.requests.length;
    const err = await providerErrorOf(adapter().validateCredentials({ account_sid: 'SK123', auth_token: TOKEN }));
    expect(err.code).toBe('invalid_credentials');
    expect(err.message).not.toContain(TOKEN);
    expect(fake.requests).toHaveLength(before);
  });

  it('answers a Twilio 500 with provider_unavailable, retryable', async () => {
    fake.failNext({ method: 'GET', path: ACCOUNT_PATH }, twilioError(500, 20500, 'Internal Server Error'));
    const err = await providerErrorOf(adapter().validateCredentials(creds));
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, opts: expect.objectContaining({ providerStatus: 500 }) });
  });

  it('answers a Twilio that never responds with provider_unavailable once the timeout passes', async () => {
    fake.failNext({ method: 'GET', path: ACCOUNT_PATH }, 'timeout');
    const asked = fake.requestsTo('GET', ACCOUNT_PATH).length;
    const err = await providerErrorOf(adapter({ timeoutMs: 200 }).validateCredentials(creds));
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(err.message).toMatch(/did not answer in time/);
    // Our client's timeout gave up on a request Twilio received and never answered (axios: ECONNABORTED).
    expect(err.opts.cause).toEqual({ code: 'ECONNABORTED' });
    expect(err.opts.providerStatus).toBeUndefined();
    expect(fake.requestsTo('GET', ACCOUNT_PATH)).toHaveLength(asked + 1);
  });

  it('answers an unreachable Twilio with provider_unavailable, retryable', async () => {
    const down = new FakeTwilio({ accounts: [] });
    const url = await down.start();
    await down.stop();
    const err = await providerErrorOf(createTwilioAdapter({ apiBaseUrl: url }).validateCredentials(creds));
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(err.message).not.toContain(TOKEN);
  });

  it('answers another 4xx with provider_rejected', async () => {
    fake.failNext({ method: 'GET', path: ACCOUNT_PATH }, twilioError(403, 20005, 'Account not active'));
    const err = await providerErrorOf(adapter().validateCredentials(creds));
    expect(err).toMatchObject({ code: 'provider_rejected', retryable: false, opts: expect.objectContaining({ providerStatus: 403 }) });
  });

  it("lists only the account's numbers in E.164 across every page", async () => {
    const before = fake.requestsTo('GET', NUMBERS_PATH).length;
    const numbers = await adapter({ pageSize: 2 }).listNumbers(creds);
    expect(numbers).toEqual([
      { number: '+14155552671', providerId: 'PN' + '1'.repeat(32), friendlyName: 'Main line', importable: true },
      { number: '+919876543210', providerId: 'PN' + '2'.repeat(32), friendlyName: 'Bengaluru', importable: true },
      { number: '+442071838750', providerId: 'PN' + '3'.repeat(32), friendlyName: 'London', importable: true },
    ]);
    const pages = fake.requestsTo('GET', NUMBERS_PATH).slice(before);
    expect(pages.map((r) => r.query.Page ?? '0')).toEqual(['0', '1']);
  });

  it('marks a number without voice capability as not importable, saying why', async () => {
    fake.failNext(
      { method: 'GET', path: NUMBERS_PATH },
      {
        status: 200,
        body: {
          incoming_phone_numbers: [
            {
              sid: 'PN' + '4'.repeat(32),
              account_sid: AC,
              phone_number: '+14155552673',
              friendly_name: 'SMS only',
              capabilities: { voice: false, sms: true, mms: false, fax: false },
            },
          ],
          page: 0,
          page_size: 50,
          next_page_uri: null,
        },
      },
    );
    const [n] = await adapter().listNumbers(creds);
    expect(n).toMatchObject({ number: '+14155552673', importable: false });
    expect(n!.reason).toMatch(/voice/);
  });

  it('answers a wrong token on listing with invalid_credentials', async () => {
    const err = await providerErrorOf(adapter().listNumbers({ account_sid: AC, auth_token: 'nope' }));
    expect(err.code).toBe('invalid_credentials');
  });
});

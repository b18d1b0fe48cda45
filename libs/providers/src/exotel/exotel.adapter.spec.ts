import { basicAuth, FakeExotel } from '@callplane/testing';
import { ProviderError } from '../provider-adapter';
import { createExotelAdapter, type ExotelCredentials } from './exotel.adapter';

const SID = 'acme1';
const creds: ExotelCredentials = { api_key: 'key-acme', api_token: 'token-acme-secret', account_sid: SID };
const LIST = /^\/v2_beta\/Accounts\/acme1\/IncomingPhoneNumbers$/;

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

describe('Exotel adapter', () => {
  const fake = new FakeExotel({
    accounts: [
      {
        sid: SID,
        apiKey: 'key-acme',
        apiToken: 'token-acme-secret',
        exophones: [
          { sid: 'exo-sales', phoneNumber: '09513886363', friendlyName: 'Sales' },
          { sid: 'exo-support', phoneNumber: '08047091234' },
          { sid: 'exo-broken', phoneNumber: '12' },
        ],
      },
    ],
  });
  let adapter: ReturnType<typeof createExotelAdapter>;

  beforeAll(async () => {
    await fake.start();
    // Roomy: a loaded machine must not turn the fake's answers into timeouts. The hang tests use a short one.
    adapter = createExotelAdapter({ apiBaseUrl: fake.url, timeoutMs: 10_000 });
  });
  afterAll(() => fake.stop());

  it('accepts valid credentials, sending Basic api_key:api_token to the account’s IncomingPhoneNumbers', async () => {
    const before = fake.requestsTo('GET', LIST).length;
    await expect(adapter.validateCredentials(creds)).resolves.toBeUndefined();
    const sent = fake.requestsTo('GET', LIST);
    expect(sent).toHaveLength(before + 1);
    expect(basicAuth(sent.at(-1)!)).toEqual({ user: 'key-acme', password: 'token-acme-secret' });
  });

  it('maps a wrong token to invalid_credentials without echoing the secret', async () => {
    const err = await providerError(adapter.validateCredentials({ ...creds, api_token: 'wrong-token-xyz' }));
    expect(err.code).toBe('invalid_credentials');
    expect(err.opts.providerStatus).toBe(401);
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('wrong-token-xyz');
    expect(JSON.stringify(err)).not.toContain('wrong-token-xyz');
  });

  it('maps an unknown account sid to invalid_credentials', async () => {
    expect((await providerError(adapter.validateCredentials({ ...creds, account_sid: 'nobody' }))).code).toBe('invalid_credentials');
  });

  it('refuses missing fields and a non-Exotel subdomain before calling out', async () => {
    const real = createExotelAdapter();
    const before = fake.requests.length;
    expect((await providerError(adapter.validateCredentials({ ...creds, api_key: '' }))).code).toBe('invalid_credentials');
    const err = await providerError(real.validateCredentials({ ...creds, subdomain: '127.0.0.1:1' }));
    expect(err.code).toBe('invalid_credentials');
    expect(err.message).toContain('api.in.exotel.com');
    expect(fake.requests.length).toBe(before);
  });

  it('maps an injected 503 to a retryable provider_unavailable', async () => {
    fake.failNext({ method: 'GET', path: LIST }, { status: 503, body: { RestException: { Status: 503, Message: 'down' } } });
    const err = await providerError(adapter.validateCredentials(creds));
    expect(err.code).toBe('provider_unavailable');
    expect(err.opts.providerStatus).toBe(503);
    expect(err.retryable).toBe(true);
    // The fault was one-shot: the next call succeeds.
    await expect(adapter.validateCredentials(creds)).resolves.toBeUndefined();
  });

  it('maps a hang past the timeout to provider_unavailable', async () => {
    fake.failNext({ method: 'GET', path: LIST }, 'timeout');
    const asked = fake.requestsTo('GET', LIST).length;
    const err = await providerError(createExotelAdapter({ apiBaseUrl: fake.url, timeoutMs: 300 }).validateCredentials(creds));
    expect(err.code).toBe('provider_unavailable');
    expect(err.retryable).toBe(true);
    // Our client's timeout gave up on a request Exotel received and never answered (axios: ECONNABORTED).
    expect(err.message).toBe('Exotel did not answer (ECONNABORTED)');
    expect(err.opts.providerStatus).toBeUndefined();
    expect(fake.requestsTo('GET', LIST)).toHaveLength(asked + 1);
  });

  it('maps a refused connection to provider_unavailable', async () => {
    const gone = new FakeExotel({ accounts: [] });
    const url = await gone.start();
    await gone.stop();
    const err = await providerError(createExotelAdapter({ apiBaseUrl: url }).validateCredentials(creds));
    expect(err.code).toBe('provider_unavailable');
  });

  it('maps another 4xx to provider_rejected with Exotel’s message', async () => {
    fake.failNext({ method: 'GET', path: LIST }, { status: 400, body: { RestException: { Status: 400, Message: 'Bad PageSize' } } });
    const err = await providerError(adapter.listNumbers(creds));
    expect(err.code).toBe('provider_rejected');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('Bad PageSize');
  });

  it('lists ExoPhones as E.164 (+91 from 0-prefixed national) with the ExoPhone sid', async () => {
    const numbers = await adapter.listNumbers(creds);
    expect(numbers).toEqual([
      { number: '+919513886363', providerId: 'exo-sales', friendlyName: 'Sales', importable: true },
      { number: '+918047091234', providerId: 'exo-support', friendlyName: '08047091234', importable: true },
      expect.objectContaining({ number: '12', providerId: 'exo-broken', importable: false, reason: expect.any(String) }),
    ]);
  });

  describe('an account of 120 ExoPhones, 50 a page', () => {
    const exophones = Array.from({ length: 120 }, (_, i) => ({ sid: `exo-${i}`, phoneNumber: `0951388${String(i).padStart(4, '0')}` }));
    const account = { sid: 'big1', apiKey: 'key-big', apiToken: 'token-big-secret', exophones };
    const big: ExotelCredentials = { api_key: 'key-big', api_token: 'token-big-secret', account_sid: 'big1' };
    const BIG_LIST = /^\/v2_beta\/Accounts\/big1\/IncomingPhoneNumbers$/;

    it.each([
      ['absolute page URIs on the host asked', undefined],
      ['absolute page URIs on another Exotel host, as Exotel’s documented example', 'twilix.exotel.com'],
    ])('lists every number across the pages: %s', async (_label, pageUriHost) => {
      const pages = new FakeExotel({ accounts: [account], pageUriHost });
      await pages.start();
      try {
        const numbers = await createExotelAdapter({ apiBaseUrl: pages.url, timeoutMs: 10_000 }).listNumbers(big);
        expect(numbers).toHaveLength(120);
        expect(new Set(numbers.map((n) => n.providerId)).size).toBe(120);
        expect(numbers.at(-1)).toMatchObject({ providerId: 'exo-119', number: '+919513880119' });
        // Three pages, each asked of our own API base with Exotel's Page and PageSize, and the account's credentials.
        const sent = pages.requestsTo('GET', BIG_LIST);
        expect(sent.map((r) => r.query.Page ?? '0')).toEqual(['0', '1', '2']);
        for (const r of sent) expect(basicAuth(r)).toEqual({ user: 'key-big', password: 'token-big-secret' });
      } finally {
        await pages.stop();
      }
    });

    it('does not follow a next page on a host that is not Exotel’s: the credentials go nowhere else', async () => {
      const pages = new FakeExotel({ accounts: [account], pageUriHost: 'exotel.com.attacker.example' });
      await pages.start();
      try {
        const err = await providerError(createExotelAdapter({ apiBaseUrl: pages.url, timeoutMs: 10_000 }).listNumbers(big));
        expect(err.code).toBe('provider_unavailable');
        expect(err.message).toContain('exotel.com.attacker.example');
        expect(pages.requestsTo('GET', BIG_LIST)).toHaveLength(1);
      } finally {
        await pages.stop();
      }
    });
  });
});

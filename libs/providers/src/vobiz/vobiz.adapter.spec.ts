import { FakeVobiz } from '@callplane/testing';
import { ProviderError } from '../provider-adapter';
import { createVobizAdapter, type VobizCredentials } from './vobiz.adapter';

const creds: VobizCredentials = { auth_id: 'MA_ACME', auth_token: 'vobiz-token-secret' };
const NUMBERS = /^\/api\/v1\/Account\/MA_ACME\/numbers$/;

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

describe('Vobiz adapter', () => {
  const fake = new FakeVobiz({
    accounts: [
      { authId: 'MA_ACME', authToken: 'vobiz-token-secret', numbers: ['+919876543210', '+918069123456'] },
      { authId: 'MA_OTHER', authToken: 'other-token' },
    ],
  });
  let adapter: ReturnType<typeof createVobizAdapter>;

  beforeAll(async () => {
    await fake.start();
    // Roomy: a loaded machine must not turn the fake's answers into timeouts. The hang tests use a short one.
    adapter = createVobizAdapter({ apiBaseUrl: fake.url, timeoutMs: 10_000 });
  });
  afterAll(() => fake.stop());

  it('accepts valid credentials, sending X-Auth-ID / X-Auth-Token to the account’s numbers', async () => {
    const before = fake.requestsTo('GET', NUMBERS).length;
    await expect(adapter.validateCredentials(creds)).resolves.toBeUndefined();
    const sent = fake.requestsTo('GET', NUMBERS);
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)!.headers['x-auth-id']).toBe('MA_ACME');
    expect(sent.at(-1)!.headers['x-auth-token']).toBe('vobiz-token-secret');
  });

  it('maps a wrong token to invalid_credentials without echoing the secret', async () => {
    const err = await providerError(adapter.validateCredentials({ ...creds, auth_token: 'wrong-vobiz-xyz' }));
    expect(err.code).toBe('invalid_credentials');
    expect(err.opts.providerStatus).toBe(401);
    expect(err.retryable).toBe(false);
    expect(err.message).not.toContain('wrong-vobiz-xyz');
    expect(JSON.stringify(err)).not.toContain('wrong-vobiz-xyz');
  });

  it('refuses another account’s token for this Auth ID, and missing fields before calling out', async () => {
    expect((await providerError(adapter.validateCredentials({ auth_id: 'MA_ACME', auth_token: 'other-token' }))).code).toBe('invalid_credentials');
    const before = fake.requests.length;
    expect((await providerError(adapter.validateCredentials({ ...creds, auth_token: ' ' }))).code).toBe('invalid_credentials');
    expect(fake.requests.length).toBe(before);
  });

  it('maps an injected 503 to a retryable provider_unavailable', async () => {
    fake.failNext({ method: 'GET', path: NUMBERS }, { status: 503, body: { error: 'maintenance' } });
    const err = await providerError(adapter.validateCredentials(creds));
    expect(err.code).toBe('provider_unavailable');
    expect(err.opts.providerStatus).toBe(503);
    expect(err.retryable).toBe(true);
    await expect(adapter.validateCredentials(creds)).resolves.toBeUndefined();
  });

  it('maps a hang past the timeout to provider_unavailable', async () => {
    fake.failNext({ method: 'GET', path: NUMBERS }, 'timeout');
    const asked = fake.requestsTo('GET', NUMBERS).length;
    const err = await providerError(createVobizAdapter({ apiBaseUrl: fake.url, timeoutMs: 300 }).listNumbers(creds));
    expect(err.code).toBe('provider_unavailable');
    expect(err.retryable).toBe(true);
    // Our client's timeout gave up on a request Vobiz received and never answered (axios: ECONNABORTED).
    expect(err.message).toBe('Vobiz did not answer (ECONNABORTED)');
    expect(err.opts.providerStatus).toBeUndefined();
    expect(fake.requestsTo('GET', NUMBERS)).toHaveLength(asked + 1);
  });

  it('maps another 4xx to provider_rejected with Vobiz’s message', async () => {
    fake.failNext({ method: 'GET', path: NUMBERS }, { status: 400, body: { error: 'limit too large' } });
    const err = await providerError(adapter.listNumbers(creds));
    expect(err.code).toBe('provider_rejected');
    expect(err.message).toContain('limit too large');
  });

  it('lists the account’s DIDs in E.164', async () => {
    expect(await adapter.listNumbers(creds)).toEqual([
      { number: '+919876543210', providerId: '+919876543210', friendlyName: '+919876543210', importable: true },
      { number: '+918069123456', providerId: '+918069123456', friendlyName: '+918069123456', importable: true },
    ]);
    expect(await adapter.listNumbers({ auth_id: 'MA_OTHER', auth_token: 'other-token' })).toEqual([]);
  });

  it('follows offset paging and normalises numbers listed without + or 0-prefixed', async () => {
    const before = fake.requestsTo('GET', NUMBERS).length;
    // First page from the injected answer (3 in total), the rest from the fake's own list.
    fake.failNext(
      { method: 'GET', path: NUMBERS },
      { status: 200, body: { meta: { limit: 2, offset: 0, total: 3 }, objects: [{ number: '919812345678' }, { number: '08047091234' }] } },
    );
    const numbers = await adapter.listNumbers(creds);
    expect(numbers.map((n) => n.number)).toEqual(['+919812345678', '+918047091234', '+919876543210', '+918069123456']);
    const sent = fake.requestsTo('GET', NUMBERS).slice(before);
    expect(sent.map((r) => r.query.offset)).toEqual(['0', '2']);
  });
});

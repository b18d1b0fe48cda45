import { basicAuth, FakeExotel } from '@callplane/testing';
import { ProviderError } from '../provider-adapter';
import { exotelCallState, exotelNumber, fetchExotelCall } from './exotel-calls';
import type { ExotelCredentials } from './exotel.adapter';

const SID = 'acme1';
const creds: ExotelCredentials = { api_key: 'key-acme', api_token: 'token-acme-secret', account_sid: SID };
const CALL = 'b6cfaf5f5cef3ca0fc937749ef960e25';

async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ProviderError)) throw new Error(`expected a ProviderError, got ${String(err)}`);
  return err;
}

describe('fetchExotelCall', () => {
  const fake = new FakeExotel({ accounts: [{ sid: SID, apiKey: 'key-acme', apiToken: 'token-acme-secret' }, { sid: 'other', apiKey: 'k2', apiToken: 't2' }] });
  let opts: { apiBaseUrl: string; timeoutMs: number };

  beforeAll(async () => {
    // Roomy: a loaded machine must not turn the fake's answers into timeouts. The hang test uses a short one.
    opts = { apiBaseUrl: await fake.start(), timeoutMs: 10_000 };
    fake.addCall({ account: SID, sid: CALL, from: '09876543210', to: '09513886363', status: 'in-progress' });
  });
  afterAll(() => fake.stop());

  it('GETs /v1/Accounts/{sid}/Calls/{CallSid}.json with Basic api_key:api_token, and normalises the call', async () => {
    await expect(fetchExotelCall(creds, CALL, opts)).resolves.toEqual({
      providerCallId: CALL,
      to: '+919513886363',
      from: '+919876543210',
      state: 'in_progress',
      rawStatus: 'in-progress',
      direction: 'inbound',
    });
    const sent = fake.callLookups(CALL).at(-1)!;
    expect(sent.path).toBe(`/v1/Accounts/${SID}/Calls/${CALL}.json`);
    expect(basicAuth(sent)).toEqual({ user: 'key-acme', password: 'token-acme-secret' });
  });

  it('returns null for a call that is not on the account (Exotel answers 404)', async () => {
    expect(await fetchExotelCall(creds, 'ffffffffffffffffffffffffffffffff', opts)).toBeNull();
    fake.addCall({ account: 'other', sid: 'c0ffee00c0ffee00c0ffee00c0ffee99', from: '09876543210', to: '09513886363', status: 'completed' });
    expect(await fetchExotelCall(creds, 'c0ffee00c0ffee00c0ffee00c0ffee99', opts)).toBeNull();
  });

  it('keeps a caller that is not a number as Exotel sent it', async () => {
    fake.addCall({ account: SID, sid: 'c0ffee00c0ffee00c0ffee00c0ffee98', from: 'anonymous', to: '+919513886363', status: 'ringing' });
    expect(await fetchExotelCall(creds, 'c0ffee00c0ffee00c0ffee00c0ffee98', opts)).toMatchObject({ from: 'anonymous', to: '+919513886363', state: 'ringing' });
  });

  it('maps wrong credentials to invalid_credentials, without the token in the message', async () => {
    const err = await providerError(fetchExotelCall({ ...creds, api_token: 'wrong-token-xyz' }, CALL, opts));
    expect(err.code).toBe('invalid_credentials');
    expect(err.message).not.toContain('wrong-token-xyz');
  });

  it('maps a 503, a hang and a refused connection to retryable provider_unavailable', async () => {
    fake.failNext({ method: 'GET', path: /\/Calls\// }, { status: 503, body: { RestException: { Status: 503, Message: 'down' } } });
    expect((await providerError(fetchExotelCall(creds, CALL, opts))).code).toBe('provider_unavailable');
    fake.failNext({ method: 'GET', path: /\/Calls\// }, 'timeout');
    const hung = await providerError(fetchExotelCall(creds, CALL, { ...opts, timeoutMs: 300 }));
    expect(hung.code).toBe('provider_unavailable');
    expect(hung.retryable).toBe(true);
    const gone = new FakeExotel({ accounts: [] });
    const url = await gone.start();
    await gone.stop();
    expect((await providerError(fetchExotelCall(creds, CALL, { apiBaseUrl: url }))).code).toBe('provider_unavailable');
  });

  it('treats an answer without the call asked for as unavailable, not as a confirmation', async () => {
    fake.failNext({ method: 'GET', path: /\/Calls\// }, { status: 200, body: { Call: { Sid: 'someothercall', To: '09513886363' } } });
    expect((await providerError(fetchExotelCall(creds, CALL, opts))).code).toBe('provider_unavailable');
    fake.failNext({ method: 'GET', path: /\/Calls\// }, { status: 200, body: {} });
    expect((await providerError(fetchExotelCall(creds, CALL, opts))).code).toBe('provider_unavailable');
  });

  it('refuses missing credentials and a foreign subdomain before calling out', async () => {
    const before = fake.requests.length;
    expect((await providerError(fetchExotelCall({ ...creds, api_key: '' }, CALL, opts))).code).toBe('invalid_credentials');
    expect((await providerError(fetchExotelCall({ ...creds, subdomain: 'evil.example.com' }, CALL))).code).toBe('invalid_credentials');
    expect(fake.requests.length).toBe(before);
  });
});

describe('Exotel numbers and statuses', () => {
  it.each([
    ['09876543210', '+919876543210'],
    ['9876543210', '+919876543210'],
    ['919876543210', '+919876543210'],
    ['+919876543210', '+919876543210'],
    ['anonymous', null],
  ])('%s → %s', (raw, e164) => {
    expect(exotelNumber(raw)).toBe(e164);
  });

  it('reads national numbers in the country given', () => {
    expect(exotelNumber('4155551234', 'US')).toBe('+14155551234');
  });

  it.each([
    ['queued', 'initiating'],
    ['ringing', 'ringing'],
    ['in-progress', 'in_progress'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['failed', 'failed'],
    ['no-answer', 'no_answer'],
    ['canceled', 'canceled'],
    ['Completed', 'completed'],
    ['on-hold', null],
  ])('status %s → %s', (status, state) => {
    expect(exotelCallState(status)).toBe(state);
  });
});

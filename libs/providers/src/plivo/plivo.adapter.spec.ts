import { FakePlivo, type FakePlivoNumberConfig } from '@callplane/testing';
import { ProviderError } from '../provider-adapter';
import { createPlivoAdapter, type PlivoCredentials } from './plivo.adapter';

const MAIN = { authId: 'MAZDQ1ZTA2NDY3MTUXNT', authToken: 'main-token-s3cret' };
const NO_ZENTRUNK = { authId: 'MAYTI3MWE0ZDA4NTQ2NJ', authToken: 'basic-plan-token' };
const SUB = { authId: 'SAYTI3MWE0ZDA4NTQ2NJ', authToken: 'sub-token' };
const creds = (a: { authId: string; authToken: string }): PlivoCredentials => ({ auth_id: a.authId, auth_token: a.authToken });

const IN_LOCAL_BOUND = '918046000100';
const IN_LOCAL_FREE = '918046000101';
const IN_MOBILE = '919900000001';
const US_LOCAL = '14155550100';
const US_TOLLFREE = '18005550100';
/** 21 more US numbers, so the five above and these span two of Plivo's 20-number pages. */
const FILLER: FakePlivoNumberConfig[] = Array.from({ length: 21 }, (_, i) => ({
  number: `1212555${String(1000 + i)}`,
  country: 'US',
  type: 'local',
}));

/** Awaits a rejection and returns it as a ProviderError (fails the test if it resolved or threw something else). */
async function providerError(p: Promise<unknown>): Promise<ProviderError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ProviderError);
  return err as ProviderError;
}

describe('Plivo adapter', () => {
  let fake: FakePlivo;

  beforeEach(async () => {
    fake = new FakePlivo({
      accounts: [
        {
          ...MAIN,
          zentrunk: true,
          numbers: [
            { number: IN_LOCAL_BOUND, country: 'IN', type: 'local', boundTrunkId: '21784177249999' },
            { number: IN_LOCAL_FREE, country: 'IN', type: 'local' },
            { number: IN_MOBILE, country: 'IN', type: 'mobile', boundTrunkId: '21784177249998' },
            { number: US_LOCAL, country: 'US', type: 'local', boundTrunkId: '21784177249997' },
            { number: US_TOLLFREE, country: 'US', type: 'tollfree' },
            ...FILLER,
          ],
        },
        { ...NO_ZENTRUNK, zentrunk: false },
        { ...SUB, parentAuthId: MAIN.authId, zentrunk: true },
      ],
    });
    await fake.start();
  });
  afterEach(() => fake.stop());

  const adapter = (timeoutMs?: number) => createPlivoAdapter({ apiBaseUrl: fake.url, timeoutMs });

  describe('validateCredentials', () => {
    it('accepts a main account on a Zentrunk plan, checking the account and Zentrunk with Basic auth', async () => {
      await expect(adapter().validateCredentials(creds(MAIN))).resolves.toBeUndefined();

      expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        `GET /v1/Account/${MAIN.authId}/`,
        `GET /v1/Account/${MAIN.authId}/Zentrunk/Trunk/`,
      ]);
      const basic = `Basic ${Buffer.from(`${MAIN.authId}:${MAIN.authToken}`).toString('base64')}`;
      expect(fake.requests.every((r) => r.headers.authorization === basic)).toBe(true);
    });

    it('refuses subaccount (SA…) credentials before sending any request, pointing at the MA… id', async () => {
      const err = await providerError(adapter().validateCredentials(creds(SUB)));

      expect(err.code).toBe('plivo_subaccount_credentials');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/MA/);
      expect(fake.requests).toHaveLength(0);
    });

    it('maps a wrong auth token to invalid_credentials without echoing the token', async () => {
      const wrong = { auth_id: MAIN.authId, auth_token: 'wrong-token-XYZ' };
      const err = await providerError(adapter().validateCredentials(wrong));

      expect(err.code).toBe('invalid_credentials');
      expect(err.retryable).toBe(false);
      expect(err.opts.providerStatus).toBe(401);
      expect(err.message).not.toContain('wrong-token-XYZ');
      expect(JSON.stringify(err)).not.toContain('wrong-token-XYZ');
      // It stopped at the account check: no Zentrunk call with bad credentials.
      expect(fake.requestsTo('GET', /Zentrunk/)).toHaveLength(0);
    });

    it('maps a plan without Zentrunk to plivo_zentrunk_required with the way out', async () => {
      const err = await providerError(adapter().validateCredentials(creds(NO_ZENTRUNK)));

      expect(err.code).toBe('plivo_zentrunk_required');
      expect(err.retryable).toBe(false);
      expect(err.message).toMatch(/upgrade/i);
      expect(err.message).toMatch(/bring-your-own SIP/i);
      expect(fake.requestsTo('GET', /\/Zentrunk\/Trunk\/?$/)).toHaveLength(1);
    });

    it('maps a 503 from Plivo to a retryable provider_unavailable', async () => {
      fake.failNext({ method: 'GET', path: /^\/v1\/Account\/[^/]+\/?$/ }, { status: 503, body: { error: 'Service Unavailable' } });

      const err = await providerError(adapter().validateCredentials(creds(MAIN)));

      expect(err.code).toBe('provider_unavailable');
      expect(err.retryable).toBe(true);
      expect(err.opts.providerStatus).toBe(503);
    });

    it('gives up on a Plivo that never answers after the timeout, as a retryable provider_unavailable', async () => {
      fake.failNext({ path: /Zentrunk/ }, 'timeout');

      const err = await providerError(adapter(200).validateCredentials(creds(MAIN)));

      expect(err.code).toBe('provider_unavailable');
      expect(err.retryable).toBe(true);
      expect(err.message).not.toContain(MAIN.authToken);
      // Our client's timeout gave up on the request Plivo received and never answered (axios: ECONNABORTED).
      expect(err.message).toBe("Plivo's API did not answer (ECONNABORTED); try again");
      expect(err.opts.providerStatus).toBeUndefined();
      expect(fake.requestsTo('GET', /Zentrunk/)).toHaveLength(1);
    });

    it('maps a refused connection to provider_unavailable', async () => {
      const url = fake.url;
      await fake.stop();

      const err = await providerError(createPlivoAdapter({ apiBaseUrl: url }).validateCredentials(creds(MAIN)));

      expect(err.code).toBe('provider_unavailable');
    });
  });

  describe('listNumbers', () => {
    it('lists every page of numbers in E.164, with an India-bound local number not importable', async () => {
      const numbers = await adapter().listNumbers(creds(MAIN));

      expect(numbers).toHaveLength(26);
      const pages = fake.requestsTo('GET', /\/Number\/?$/);
      expect(pages.map((r) => r.query.offset)).toEqual(['0', '20']);
      expect(numbers.every((n) => /^\+[1-9]\d{1,14}$/.test(n.number))).toBe(true);
      expect(new Set(numbers.map((n) => n.number)).size).toBe(26);
      expect(numbers.map((n) => n.number)).toContain(`+${FILLER[20]!.number}`);

      const byNumber = new Map(numbers.map((n) => [n.number, n]));
      const bound = byNumber.get(`+${IN_LOCAL_BOUND}`)!;
      expect(bound).toMatchObject({ importable: false, providerId: IN_LOCAL_BOUND });
      expect(bound.reason).toMatch(/release/i);
      expect(bound.reason).toMatch(/re-purchase/i);
      expect(bound.reason).toMatch(/support/i);

      for (const n of [IN_LOCAL_FREE, IN_MOBILE, US_LOCAL, US_TOLLFREE]) {
        expect(byNumber.get(`+${n}`)).toMatchObject({ importable: true });
        expect(byNumber.get(`+${n}`)!.reason).toBeUndefined();
      }
      expect(numbers.filter((n) => !n.importable)).toHaveLength(1);
    });

    it('refuses subaccount credentials and a wrong token the same way validation does', async () => {
      expect((await providerError(adapter().listNumbers(creds(SUB)))).code).toBe('plivo_subaccount_credentials');
      expect(fake.requests).toHaveLength(0);
      expect((await providerError(adapter().listNumbers({ auth_id: MAIN.authId, auth_token: 'nope' }))).code).toBe('invalid_credentials');
    });

    it('maps a 503 on a later page to provider_unavailable rather than a partial list', async () => {
      // Faults answer in the order queued: a first page that says there is more, then a 503 for the second.
      const page1 = { meta: { limit: 20, offset: 0, total_count: 40, next: 'more' }, objects: [{ number: US_LOCAL, country: 'United States', number_type: 'local' }] };
      fake.failNext({ method: 'GET', path: /\/Number\/?$/ }, { status: 200, body: page1 });
      fake.failNext({ method: 'GET', path: /\/Number\/?$/ }, { status: 503 });

      const err = await providerError(adapter().listNumbers(creds(MAIN)));

      expect(err.code).toBe('provider_unavailable');
      expect(fake.requestsTo('GET', /\/Number\/?$/).map((r) => r.query.offset)).toEqual(['0', '1']);
    });
  });
});

import { randomBytes } from 'node:crypto';
import { SecretBox } from '@callplane/service-kit';
import { apiError, bootTestService, createTenantUser, detailFields, FakeExotel, FakePlivo, FakeTwilio, FakeVobiz, httpRequest, type TestService } from '@callplane/testing';
import { createProvisioningModule, defaultAdapters } from './app';

const TWILIO = { sid: `AC${'a'.repeat(32)}`, authToken: 'twilio-token-secret-0001' };
const PLIVO_MA = { authId: 'MAXXXXXXXXXXXXXXXXX1', authToken: 'plivo-token-secret-0001' };
const EXOTEL = { sid: 'acme1', apiKey: 'exo-key', apiToken: 'exotel-token-secret-0001' };
const VOBIZ = { authId: 'VB0001', authToken: 'vobiz-token-secret-0001' };

/** POST /voice/phone-numbers/byok/{provider}/available against each provider's fake, through the real SDK/client. */
describe('BYOK: numbers available on the customer’s provider account', () => {
  const twilio = new FakeTwilio({ accounts: [{ sid: TWILIO.sid, authToken: TWILIO.authToken, numbers: [{ sid: `PN${'1'.repeat(32)}`, phoneNumber: '+14155550199', friendlyName: 'Support line' }] }] });
  const plivo = new FakePlivo({
    accounts: [
      { ...PLIVO_MA, zentrunk: true, numbers: [{ number: '918045550100', country: 'IN', type: 'local', boundTrunkId: '12345' }, { number: '14155550177', country: 'US', type: 'local' }] },
      { authId: 'MANOZENTRUNKXXXXXXX2', authToken: 'plivo-token-nozt', zentrunk: false },
    ],
  });
  const exotel = new FakeExotel({ accounts: [{ ...EXOTEL, exophones: [{ sid: 'exo1', phoneNumber: '09513886363', friendlyName: 'Sales' }] }] });
  const vobiz = new FakeVobiz({ accounts: [{ ...VOBIZ, numbers: ['+918071234567'] }] });
  let svc: TestService;
  let apiKey: string;

  beforeAll(async () => {
    await Promise.all([twilio.start(), plivo.start(), exotel.start(), vobiz.start()]);
    svc = await bootTestService({
      name: 'provisioning',
      modules: ({ platform, routerDeps }) => [
        createProvisioningModule({
          platform,
          routerDeps,
          secrets: new SecretBox(randomBytes(32)),
          publicBaseUrl: 'https://voice.example.com',
          adapters: defaultAdapters({ TWILIO_API_BASE_URL: twilio.url, PLIVO_API_BASE_URL: plivo.url, EXOTEL_API_BASE_URL: exotel.url, VOBIZ_API_BASE_URL: vobiz.url }),
        }),
      ],
    });
    apiKey = (await createTenantUser(svc.url, svc.adminToken, 'BYOK')).apiKey;
  });
  afterAll(async () => {
    await svc?.stop();
    await Promise.all([twilio.stop(), plivo.stop(), exotel.stop(), vobiz.stop()]);
  });

  const available = (provider: string, credentials: unknown, token = apiKey) =>
    httpRequest('POST', `${svc.url}/voice/phone-numbers/byok/${provider}/available`, { token, json: { credentials } });

  it('lists each provider’s numbers in E.164, never echoing the credentials', async () => {
    const t = await available('twilio', { account_sid: TWILIO.sid, auth_token: TWILIO.authToken });
    expect(t.status).toBe(200);
    expect(t.body.data).toEqual([{ number: '+14155550199', friendly_name: 'Support line', importable: true }]);
    const e = await available('exotel', { api_key: EXOTEL.apiKey, api_token: EXOTEL.apiToken, account_sid: EXOTEL.sid });
    expect(e.body.data).toEqual([expect.objectContaining({ number: '+919513886363', importable: true })]);
    const v = await available('vobiz', { auth_id: VOBIZ.authId, auth_token: VOBIZ.authToken });
    expect(v.body.data).toEqual([expect.objectContaining({ number: '+918071234567', importable: true })]);
    for (const r of [t, e, v]) expect(r.text).not.toMatch(/token-secret/);
  });

  it('shows an Indian local Plivo number bound to a trunk as not importable, with the way out', async () => {
    const p = await available('plivo', { auth_id: PLIVO_MA.authId, auth_token: PLIVO_MA.authToken });
    expect(p.status).toBe(200);
    const india = (p.body.data as Array<Record<string, unknown>>).find((n) => n.number === '+918045550100');
    expect(india).toMatchObject({ importable: false, reason: expect.stringMatching(/re-purchase|support/i) });
    expect((p.body.data as Array<Record<string, unknown>>).find((n) => n.number === '+14155550177')).toMatchObject({ importable: true });
  });

  it.each([
    ['twilio', { account_sid: TWILIO.sid, auth_token: 'wrong-token' }, 422, 'invalid_credentials'],
    ['plivo', { auth_id: 'SAXXXXXXXXXXXXXXXXX1', auth_token: 'x' }, 422, 'plivo_subaccount_credentials'],
    ['plivo', { auth_id: 'MANOZENTRUNKXXXXXXX2', auth_token: 'plivo-token-nozt' }, 422, 'plivo_zentrunk_required'],
    ['exotel', { api_key: EXOTEL.apiKey, api_token: 'wrong', account_sid: EXOTEL.sid }, 422, 'invalid_credentials'],
  ])('%s refusal (case %#) answers the contract code with a message a person can act on', async (provider, credentials, status, code) => {
    const res = await available(provider, credentials);
    expect(res.status).toBe(status);
    expect(apiError(res).code).toBe(code);
    expect(apiError(res).message.length).toBeGreaterThan(20);
    expect(res.text).not.toContain((credentials as { auth_token?: string; api_token?: string }).auth_token ?? (credentials as { api_token: string }).api_token);
  });

  it('a provider outage answers 502 provider_unavailable', async () => {
    twilio.failNext({ path: /Accounts/ }, { status: 503, body: { code: 20500, message: 'down', status: 503 } });
    const res = await available('twilio', { account_sid: TWILIO.sid, auth_token: TWILIO.authToken });
    expect(res.status).toBe(502);
    expect(apiError(res).code).toBe('provider_unavailable');
  });

  it('validates the credentials shape per provider (400, no provider call) and needs an API key', async () => {
    const before = twilio.requests.length;
    const bad = await available('twilio', { account_sid: 'nope' });
    expect(bad.status).toBe(400);
    expect(detailFields(bad)).toEqual(expect.arrayContaining(['credentials.account_sid', 'credentials.auth_token']));
    expect(twilio.requests.length).toBe(before);
    expect((await available('sinch', {})).status).toBe(400);
    expect((await available('twilio', { account_sid: TWILIO.sid, auth_token: TWILIO.authToken }, 'cp_live_wrong')).status).toBe(401);
  });
});

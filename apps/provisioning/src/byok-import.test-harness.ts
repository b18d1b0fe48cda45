import { randomBytes } from 'node:crypto';
import { SecretBox } from '@callplane/service-kit';
import {
  apiClient,
  bootTestService,
  captureLogs,
  FakeExotel,
  FakeLiveKit,
  FakePlivo,
  FakeTwilio,
  type TestService,
} from '@callplane/testing';
import { createProvisioningModule, defaultAdapters, defaultImporters } from './app';

export const PUBLIC_BASE_URL = 'https://voice.example.com';
export const LIVEKIT_SIP_HOST = 'sip.livekit.example.com';

export const TWILIO = { sid: `AC${'b'.repeat(32)}`, authToken: 'twilio-token-secret-0001', pn: `PN${'2'.repeat(32)}`, number: '+14155550142' };
export const PLIVO = { authId: 'MAIMPORTXXXXXXXXXXX1', authToken: 'plivo-token-secret-0001' };
export const EXOTEL = { sid: 'acmeimport', apiKey: 'exo-import-key', apiToken: 'exotel-token-secret-0001', exophone: 'exo-import-1', number: '+919513886364' };
export const VOBIZ = { sip_domain: 'abc123.sip.vobiz.ai', username: 'acme-trunk', password: 'vobiz-sip-secret-0001' };
/** Every secret the tests hand over: none may appear in a response, a log line or a stored column in the clear. */
export const ALL_SECRETS = [TWILIO.authToken, PLIVO.authToken, EXOTEL.apiToken, VOBIZ.password];

export const PLIVO_NUMBERS = {
  us: '14155550143',
  inLocal: '918045550111',
  inBound: '918045550112',
  inTollFree: '9118001234567',
} as const;

/**
 * Provisioning over HTTP with every provider's fake and FakeLiveKit behind it, logs captured. One per spec file.
 */
export function useByokImportService() {
  const livekitKeys = { apiKey: 'APIbyokimport', apiSecret: 'byok-import-livekit-secret-0123456789' };
  const fakes = {
    twilio: new FakeTwilio({ accounts: [{ sid: TWILIO.sid, authToken: TWILIO.authToken, numbers: [{ sid: TWILIO.pn, phoneNumber: TWILIO.number, friendlyName: 'Support', voiceUrl: 'https://demo.twilio.com/welcome/voice/' }] }] }),
    plivo: new FakePlivo({
      accounts: [
        {
          ...PLIVO,
          zentrunk: true,
          numbers: [
            { number: PLIVO_NUMBERS.us, country: 'US', type: 'local' },
            { number: PLIVO_NUMBERS.inLocal, country: 'IN', type: 'local' },
            { number: PLIVO_NUMBERS.inBound, country: 'IN', type: 'local', boundTrunkId: '99999' },
            { number: PLIVO_NUMBERS.inTollFree, country: 'IN', type: 'tollfree' },
          ],
        },
        { authId: 'MANOZENTRUNKXXXXXXX3', authToken: 'plivo-token-nozt', zentrunk: false },
      ],
    }),
    exotel: new FakeExotel({ accounts: [{ sid: EXOTEL.sid, apiKey: EXOTEL.apiKey, apiToken: EXOTEL.apiToken, exophones: [{ sid: EXOTEL.exophone, phoneNumber: '09513886364', friendlyName: 'Sales' }] }] }),
    livekit: new FakeLiveKit(livekitKeys),
  };
  const logs = captureLogs('provisioning');
  const secrets = new SecretBox(randomBytes(32));
  let svc: TestService | undefined;
  const service = (): TestService => {
    if (!svc) throw new Error('provisioning is not booted yet: use it inside a test');
    return svc;
  };

  beforeAll(async () => {
    await Promise.all(Object.values(fakes).map((f) => f.start()));
    const bases = { TWILIO_API_BASE_URL: fakes.twilio.url, PLIVO_API_BASE_URL: fakes.plivo.url, EXOTEL_API_BASE_URL: fakes.exotel.url };
    svc = await bootTestService({
      name: 'provisioning',
      logger: logs.logger,
      modules: ({ platform, routerDeps }) => [
        createProvisioningModule({
          platform,
          routerDeps,
          secrets,
          publicBaseUrl: PUBLIC_BASE_URL,
          adapters: defaultAdapters(bases),
          importers: defaultImporters(bases),
          livekit: { url: fakes.livekit.url, ...livekitKeys, sipHost: LIVEKIT_SIP_HOST },
        }),
      ],
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await Promise.all(Object.values(fakes).map((f) => f.stop()));
  });

  const client = apiClient(service);
  return {
    ...client,
    service,
    fakes,
    logs,
    secrets,
    importNumber: (token: string, provider: string, json: unknown, headers?: Record<string, string>) =>
      client.call('POST', `/voice/phone-numbers/byok/${provider}/import`, { token, json, ...(headers ? { headers } : {}) }),
    /** `METHOD /path` of every request a fake received since `from`, generated ids masked (`TK…`, `{uuid}`). */
    requestLines: (fake: { requests: Array<{ method: string; path: string }> }, from = 0) =>
      fake.requests
        .slice(from)
        .map((r) => `${r.method} ${r.path}`.replace(/\b(CL|CR|TK|OU)[0-9a-f]{32}\b/g, '$1…').replace(/\btrmum[0-9a-f]{20}n\b/g, "{trunk}").replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '{uuid}')),
    livekitRpcs: (from = 0) => fakes.livekit.requests.slice(from).map((r) => r.rpc),
  };
}

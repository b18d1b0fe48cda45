import { randomBytes } from 'node:crypto';
import { newId } from '@callplane/contracts';
import type { Prisma } from '@callplane/db';
import { LiveKitSip } from '@callplane/livekit';
import { hashApiKey, newApiKey, SecretBox, type ApiRouterDeps, type Platform, type ServiceModule } from '@callplane/service-kit';
import { apiClient, bootTestService, FakeLiveKit, uniquePhoneNumber, uniqueSuffix, type TestService } from '@callplane/testing';
import { createDialerModule } from './app';
import type { DialerSettings } from './usecases/deps';

export const LIVEKIT_KEYS = { apiKey: 'APIdialerspec', apiSecret: 'dialer-spec-livekit-secret-0123456789abcdef' };
/** Where the spec's dialer says browsers reach the platform (sandbox web call socket URLs are built on it). */
export const PUBLIC_BASE_URL = 'https://callplane.example.com';

export const DEFAULT_SETTINGS: DialerSettings = {
  testCallUserDailyLimit: 5,
  testCallDestinationDailyLimit: 3,
  testCallMaxSeconds: 120,
  testCallDispatchTimeoutSeconds: 90,
  ringingTimeoutSeconds: 30,
  webhookAllowPrivateTargets: true,
  contactsUploadMaxBytes: 50 * 1024 * 1024,
  reaperGraceSeconds: 60,
};

/** A clock tests move by hand (quota days, dispatch timeouts, scheduled calls). */
export class TestClock {
  constructor(private t = Date.parse('2026-11-25T10:00:00Z')) {}
  now = (): Date => new Date(this.t);
  set(iso: string): void {
    this.t = Date.parse(iso);
  }
  advance(ms: number): void {
    this.t += ms;
  }
}

/**
 * The dialer over HTTP for one spec file, with FakeLiveKit behind it. Tenants, users, agents and numbers are
 * written the way provisioning stores them (an app may not import another app). `clock: 'real'` keeps wall time.
 * `alongside`: more modules in the same service (one pool, one relay, one bus), as the all-in-one composes them; a
 * composition spec passes another app's module here, since this harness may not import it.
 */
export function useDialerService(
  opts: {
    settings?: Partial<DialerSettings>;
    clock?: TestClock | 'real';
    livekit?: boolean;
    alongside?: (kit: { platform: Platform; routerDeps: ApiRouterDeps; secrets: SecretBox }) => ServiceModule[];
  } = {},
) {
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const secrets = new SecretBox(randomBytes(32));
  const clock = opts.clock ?? 'real';
  let svc: TestService | undefined;
  const service = (): TestService => {
    if (!svc) throw new Error('the dialer is not booted yet: use it inside a test');
    return svc;
  };
  beforeAll(async () => {
    await livekit.start();
    svc = await bootTestService({
      name: 'dialer',
      modules: ({ platform, routerDeps, registry }) => [
        createDialerModule({
          platform,
          routerDeps,
          registry,
          secrets,
          settings: { ...DEFAULT_SETTINGS, ...opts.settings },
          publicBaseUrl: PUBLIC_BASE_URL,
          ...(opts.livekit === false ? {} : { livekit: { url: livekit.url, ...LIVEKIT_KEYS } }),
          ...(clock === 'real' ? {} : { now: clock.now }),
        }),
        ...(opts.alongside?.({ platform, routerDeps, secrets }) ?? []),
      ],
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await livekit.stop();
  });

  const prisma = () => service().prisma;
  const sip = () => new LiveKitSip({ url: livekit.url, ...LIVEKIT_KEYS });

  return {
    ...apiClient(service),
    service,
    livekit,
    secrets,
    prisma,
    /** A tenant with one user; the API key is returned (only its hash is stored, as provisioning does). */
    async newTenantUser(label = 'Dialer') {
      const tenantId = newId('tenant');
      const userId = newId('user');
      const apiKey = newApiKey();
      await prisma().tenant.create({ data: { id: tenantId, name: `${label} ${uniqueSuffix()}` } });
      await prisma().user.create({ data: { id: userId, tenantId, email: `u-${uniqueSuffix()}@example.com`, apiKeyHash: hashApiKey(apiKey), apiKeyHint: apiKey.slice(-4) } });
      return { tenantId, userId, apiKey };
    },
    async newAgent(tenantId: string, over: Partial<Prisma.AgentUncheckedCreateInput> = {}) {
      const id = newId('agent');
      await prisma().agent.create({
        data: {
          id,
          tenantId,
          name: 'Outbound agent',
          systemPrompt: 'You call {{customer_name}} about their order.',
          voice: { greeting: 'Hi {{customer_name}}!', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 300, recording: false, transcription: true },
          ...over,
        },
      });
      return id;
    },
    /** A number of the tenant with outbound enabled: its LiveKit outbound trunk exists in FakeLiveKit, recorded as an import step. */
    async newOutboundNumber(tenantId: string, opts2: { outbound?: boolean; provider?: string } = {}) {
      const id = newId('phoneNumber');
      const number = uniquePhoneNumber();
      const { trunkId } = await sip().createOutbound({ number, name: `out ${id}`, address: 'acme.pstn.twilio.com' });
      await prisma().phoneNumber.create({
        data: {
          id,
          tenantId,
          number,
          provider: opts2.provider ?? 'twilio',
          byok: true,
          outboundEnabled: opts2.outbound ?? true,
          importSteps: [{ name: 'livekit.outbound', output: { trunk_id: trunkId }, at: new Date().toISOString() }],
        },
      });
      return { id, number, trunkId };
    },
  };
}

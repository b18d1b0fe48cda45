import { BYOK_PROVIDERS, type ByokProviderName } from '@callplane/contracts';
import { LiveKitSip } from '@callplane/livekit';
import { byokAdapters, byokImporters, type ByokAdapters, type ByokImporters, type CarrierApiBases } from '@callplane/providers';
import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import { adminRoutes } from './routes/admin.routes';
import { agentRoutes } from './routes/agents.routes';
import { byokRoutes } from './routes/byok.routes';
import { phoneNumberRoutes } from './routes/phone-numbers.routes';
import type { ProvisioningDeps } from './usecases/deps';
import { ensureSandboxNumbers } from './usecases/sandbox-numbers.usecase';

export interface ProvisioningModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  publicBaseUrl: string;
  /** One adapter per provider, pointed at the providers' real APIs or at the `*_API_BASE_URL` overrides. */
  adapters?: Partial<ByokAdapters>;
  importers?: Partial<ByokImporters>;
  /** LiveKit's API and SIP host; without it BYOK imports answer `409 livekit_not_configured`. */
  livekit?: { url: string; apiKey: string; apiSecret: string; sipHost: string };
  /**
   * Sandbox mode, when LiveKit is not configured (`!livekitSettings(config)`): every tenant, new or existing, is given
   * a sandbox number to place calls from. Off unless set.
   */
  sandboxNumbers?: boolean;
}

/** Agents, phone numbers and the operator API. Stateless: scale by replicas. */
export function createProvisioningModule(opts: ProvisioningModuleOptions): ServiceModule {
  const deps: ProvisioningDeps = {
    prisma: opts.platform.db.prisma,
    secrets: opts.secrets,
    publicBaseUrl: opts.publicBaseUrl,
    outbox: opts.platform.relay,
    importers: { ...defaultImporters(), ...opts.importers },
    ...(opts.livekit ? { livekit: { sip: new LiveKitSip(opts.livekit), sipHost: opts.livekit.sipHost } } : {}),
    sandboxNumbers: opts.sandboxNumbers ?? false,
  };
  return {
    name: 'provisioning',
    routers: [
      adminRoutes(opts.routerDeps, deps),
      agentRoutes(opts.routerDeps, deps),
      phoneNumberRoutes(opts.routerDeps, deps),
      byokRoutes(opts.routerDeps, deps, { ...defaultAdapters(), ...opts.adapters }),
    ],
    async start() {
      // Tenants created before the sandbox was on (or by an older version) get their number too.
      if (deps.sandboxNumbers) await ensureSandboxNumbers(deps, opts.platform.logger.child({ module: 'provisioning' }));
    },
  };
}

/** The `<VENDOR>_API_BASE_URL` settings (API.md), one per BYOK carrier. */
type ApiBases = { [P in ByokProviderName as `${Uppercase<P>}_API_BASE_URL`]?: string };

const carrierBases = (settings: ApiBases): CarrierApiBases =>
  Object.fromEntries(BYOK_PROVIDERS.map((p) => [p, settings[`${p.toUpperCase() as Uppercase<typeof p>}_API_BASE_URL`]]));

/** One adapter per provider: the providers' real APIs unless the `*_API_BASE_URL` settings point elsewhere. */
export function defaultAdapters(bases: ApiBases = {}): ByokAdapters {
  return byokAdapters(carrierBases(bases));
}

/** One importer per provider, on the same API bases as the adapters. Vobiz imports are SIP-only (no API base). */
export function defaultImporters(bases: ApiBases = {}): ByokImporters {
  return byokImporters(carrierBases(bases));
}

import { LiveKitSip } from '@callplane/livekit';
import {
  createExotelAdapter,
  createExotelImporter,
  createPlivoAdapter,
  createPlivoImporter,
  createTwilioAdapter,
  createTwilioImporter,
  createVobizAdapter,
  createVobizImporter,
} from '@callplane/providers';
import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import { adminRoutes } from './routes/admin.routes';
import { agentRoutes } from './routes/agents.routes';
import { byokRoutes } from './routes/byok.routes';
import type { ByokAdapters } from './usecases/byok-available.usecase';
import type { ByokImporters } from './usecases/byok-import.usecase';
import { phoneNumberRoutes } from './routes/phone-numbers.routes';
import type { ProvisioningDeps } from './usecases/deps';

export interface ProvisioningModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  publicBaseUrl: string;
  /** One adapter per provider, pointed at the providers' real APIs or at the `*_API_BASE_URL` overrides. */
  adapters?: Partial<ByokAdapters>;
  importers?: Partial<ByokImporters>;
  /** LiveKit's API and SIP host; without it BYOK imports answer `503 livekit_not_configured`. */
  livekit?: { url: string; apiKey: string; apiSecret: string; sipHost: string };
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
  };
  return {
    name: 'provisioning',
    routers: [
      adminRoutes(opts.routerDeps, deps),
      agentRoutes(opts.routerDeps, deps),
      phoneNumberRoutes(opts.routerDeps, deps),
      byokRoutes(opts.routerDeps, deps, { ...defaultAdapters(), ...opts.adapters }),
    ],
  };
}

type ApiBases = { TWILIO_API_BASE_URL?: string; PLIVO_API_BASE_URL?: string; EXOTEL_API_BASE_URL?: string; VOBIZ_API_BASE_URL?: string };

/** One adapter per provider: the providers' real APIs unless the `*_API_BASE_URL` settings point elsewhere. */
export function defaultAdapters(bases: ApiBases = {}): ByokAdapters {
  return {
    twilio: createTwilioAdapter({ apiBaseUrl: bases.TWILIO_API_BASE_URL }),
    plivo: createPlivoAdapter({ apiBaseUrl: bases.PLIVO_API_BASE_URL }),
    exotel: createExotelAdapter({ apiBaseUrl: bases.EXOTEL_API_BASE_URL }),
    vobiz: createVobizAdapter({ apiBaseUrl: bases.VOBIZ_API_BASE_URL }),
  } as ByokAdapters;
}

/** One importer per provider, on the same API bases as the adapters. Vobiz imports are SIP-only (no API base). */
export function defaultImporters(bases: ApiBases = {}): ByokImporters {
  return {
    twilio: createTwilioImporter({ apiBaseUrl: bases.TWILIO_API_BASE_URL }),
    plivo: createPlivoImporter({ apiBaseUrl: bases.PLIVO_API_BASE_URL }),
    exotel: createExotelImporter({ apiBaseUrl: bases.EXOTEL_API_BASE_URL }),
    vobiz: createVobizImporter(),
  } as ByokImporters;
}

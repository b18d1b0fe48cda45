import { createExotelAdapter, createPlivoAdapter, createTwilioAdapter, createVobizAdapter } from '@callplane/providers';
import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import { adminRoutes } from './routes/admin.routes';
import { agentRoutes } from './routes/agents.routes';
import { byokRoutes } from './routes/byok.routes';
import type { ByokAdapters } from './usecases/byok-available.usecase';
import { phoneNumberRoutes } from './routes/phone-numbers.routes';
import type { ProvisioningDeps } from './usecases/deps';

export interface ProvisioningModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  publicBaseUrl: string;
  /** One adapter per provider, pointed at the providers' real APIs or at the `*_API_BASE_URL` overrides. */
  adapters?: Partial<ByokAdapters>;
}

/** Agents, phone numbers and the operator API. Stateless: scale by replicas. */
export function createProvisioningModule(opts: ProvisioningModuleOptions): ServiceModule {
  const deps: ProvisioningDeps = {
    prisma: opts.platform.db.prisma,
    secrets: opts.secrets,
    publicBaseUrl: opts.publicBaseUrl,
    outbox: opts.platform.relay,
  };
  return {
    name: 'provisioning',
    routers: [
      adminRoutes(opts.routerDeps, deps),
      agentRoutes(opts.routerDeps, deps),
      phoneNumberRoutes(opts.routerDeps, deps),
      byokRoutes(opts.routerDeps, { ...defaultAdapters(), ...opts.adapters }),
    ],
  };
}

/** One adapter per provider: the providers' real APIs unless the `*_API_BASE_URL` settings point elsewhere. */
export function defaultAdapters(bases: { TWILIO_API_BASE_URL?: string; PLIVO_API_BASE_URL?: string; EXOTEL_API_BASE_URL?: string; VOBIZ_API_BASE_URL?: string } = {}): ByokAdapters {
  return {
    twilio: createTwilioAdapter({ apiBaseUrl: bases.TWILIO_API_BASE_URL }),
    plivo: createPlivoAdapter({ apiBaseUrl: bases.PLIVO_API_BASE_URL }),
    exotel: createExotelAdapter({ apiBaseUrl: bases.EXOTEL_API_BASE_URL }),
    vobiz: createVobizAdapter({ apiBaseUrl: bases.VOBIZ_API_BASE_URL }),
  } as ByokAdapters;
}

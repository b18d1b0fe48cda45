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

/** The providers' real APIs; main.ts passes the `*_API_BASE_URL` overrides. */
export function defaultAdapters(bases: { twilio?: string; plivo?: string; exotel?: string; vobiz?: string } = {}): ByokAdapters {
  return {
    twilio: createTwilioAdapter({ apiBaseUrl: bases.twilio }),
    plivo: createPlivoAdapter({ apiBaseUrl: bases.plivo }),
    exotel: createExotelAdapter({ apiBaseUrl: bases.exotel }),
    vobiz: createVobizAdapter({ apiBaseUrl: bases.vobiz }),
  } as ByokAdapters;
}

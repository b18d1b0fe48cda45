import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import { adminRoutes } from './routes/admin.routes';
import { agentRoutes } from './routes/agents.routes';
import { phoneNumberRoutes } from './routes/phone-numbers.routes';
import type { ProvisioningDeps } from './usecases/deps';

export interface ProvisioningModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  publicBaseUrl: string;
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
    routers: [adminRoutes(opts.routerDeps, deps), agentRoutes(opts.routerDeps, deps), phoneNumberRoutes(opts.routerDeps, deps)],
  };
}

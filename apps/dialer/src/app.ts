import type { ApiRouterDeps, Platform, ServiceModule } from '@callplane/service-kit';

export interface DialerModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
}

/**
 * Outbound dial, scheduled calls, campaigns, studio test calls and customer status webhooks.
 * Its routes and workers arrive with the dialer issue; the service already runs, with health, metrics and drain.
 */
export function createDialerModule(_opts: DialerModuleOptions): ServiceModule {
  return { name: 'dialer', routers: [] };
}

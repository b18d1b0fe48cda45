import type { ApiRouterDeps, Platform, ServiceModule } from '@callplane/service-kit';
import { subscribeLifecycle } from './consumers/lifecycle.consumer';
import { sessionRoutes } from './routes/sessions.routes';

export interface AnalyticsModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
}

/** Read models built from events: sessions (and, later, usage, cost, leads). Kafka consumer groups split the work. */
export function createAnalyticsModule(opts: AnalyticsModuleOptions): ServiceModule {
  const { platform } = opts;
  return {
    name: 'analytics',
    routers: [sessionRoutes(opts.routerDeps, platform.db.prisma)],
    start: () => subscribeLifecycle(platform.bus, platform.db.prisma, platform.logger.child({ module: 'analytics' })),
  };
}

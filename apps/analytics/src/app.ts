import type { ApiRouterDeps, Platform, ServiceModule } from '@callplane/service-kit';
import type { Registry } from 'prom-client';
import { subscribeCallEvents } from './consumers/call-events.consumer';
import { pricingRoutes } from './routes/pricing.routes';
import { sessionRoutes } from './routes/sessions.routes';
import { callMetrics } from './usecases/call-metrics';
import { PriceBook } from './usecases/price-book';

export interface AnalyticsModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  /** Largest batch the call-events consumer writes in one transaction. */
  maxBatchSize?: number;
  /** The process's `/metrics` registry (bootService's `registry`), for the calls started and ended. */
  registry?: Registry;
}

/** Read models built from events: sessions with transcript, usage and cost; leads; summaries. Kafka consumer groups split the work. */
export function createAnalyticsModule(opts: AnalyticsModuleOptions): ServiceModule {
  const { platform } = opts;
  const prices = new PriceBook();
  const prisma = platform.db.prisma;
  const metrics = callMetrics(opts.registry);
  return {
    name: 'analytics',
    routers: [sessionRoutes(opts.routerDeps, prisma, prices), pricingRoutes(opts.routerDeps, prisma, prices)],
    start: async () => {
      await prices.activeVersion(prisma); // seed the default table on first start
      await subscribeCallEvents(platform.bus, prisma, prices, platform.logger.child({ module: 'analytics' }), { maxBatchSize: opts.maxBatchSize, metrics });
    },
  };
}

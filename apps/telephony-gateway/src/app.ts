import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import type { Registry } from 'prom-client';
import { subscribeNumberChanges } from './consumers/number-changes.consumer';
import { exotelRoutes } from './routes/exotel.routes';
import { livekitRoutes } from './routes/livekit.routes';
import { twilioRoutes } from './routes/twilio.routes';
import type { GatewayDeps } from './usecases/deps';
import { registerGatewayMetrics } from './usecases/gateway-metrics';
import { NumberRoutingCache } from './usecases/number-routing.cache';
import { CallTransitions, SessionOpener } from '@callplane/calls';

export interface GatewayModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  publicBaseUrl: string;
  livekitSipHost: string;
  /** LiveKit's API key pair, to verify its webhooks; without it `/livekit/webhook` answers 503. */
  livekit?: { apiKey: string; apiSecret: string };
  /** Exotel's API for call confirmations: `EXOTEL_API_BASE_URL` (tests point it at FakeExotel) and a timeout. */
  exotel?: { apiBaseUrl?: string; timeoutMs?: number };
  /** The process's `/metrics` registry (bootService's `registry`), for the calls in progress. */
  registry?: Registry;
  now?: () => Date;
}

/** Provider webhooks in, call events out. Stateless: scale by replicas. */
export function createGatewayModule(opts: GatewayModuleOptions): ServiceModule {
  const numbers = new NumberRoutingCache(opts.platform.db.prisma, opts.secrets);
  const now = opts.now ?? (() => new Date());
  const deps: GatewayDeps = {
    prisma: opts.platform.db.prisma,
    numbers,
    sessions: new SessionOpener({ prisma: opts.platform.db.prisma, pool: opts.platform.db.pool ?? null, outbox: opts.platform.relay, now }),
    transitions: new CallTransitions({ prisma: opts.platform.db.prisma, pool: opts.platform.db.pool ?? null, outbox: opts.platform.relay }),
    publicBaseUrl: opts.publicBaseUrl,
    livekitSipHost: opts.livekitSipHost,
    logger: opts.platform.logger.child({ module: 'telephony-gateway' }),
    now,
  };
  if (opts.registry) registerGatewayMetrics(opts.registry, deps.prisma, deps.logger);
  return {
    name: 'telephony-gateway',
    routers: [
      twilioRoutes(opts.routerDeps, deps),
      exotelRoutes(opts.routerDeps, deps, opts.exotel ?? {}),
      livekitRoutes(opts.routerDeps, deps, opts.livekit),
    ],
    start: () => subscribeNumberChanges(opts.platform.bus, numbers),
  };
}

import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import { twilioRoutes } from './routes/twilio.routes';
import type { GatewayDeps } from './usecases/deps';

export interface GatewayModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  publicBaseUrl: string;
  livekitSipHost: string;
  now?: () => Date;
}

/** Provider webhooks in, call events out. Stateless: scale by replicas. */
export function createGatewayModule(opts: GatewayModuleOptions): ServiceModule {
  const deps: GatewayDeps = {
    prisma: opts.platform.db.prisma,
    secrets: opts.secrets,
    publicBaseUrl: opts.publicBaseUrl,
    livekitSipHost: opts.livekitSipHost,
    outbox: opts.platform.relay,
    logger: opts.platform.logger.child({ module: 'telephony-gateway' }),
    now: opts.now ?? (() => new Date()),
  };
  return { name: 'telephony-gateway', routers: [twilioRoutes(opts.routerDeps, deps)] };
}

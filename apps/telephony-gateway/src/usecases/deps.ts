import type { Logger } from '@callplane/service-kit';
import type { NumberRoutingCache } from './number-routing';
import type { SessionOpener } from './sessions';

export interface GatewayDeps {
  numbers: NumberRoutingCache;
  sessions: SessionOpener;
  publicBaseUrl: string;
  livekitSipHost: string;
  outbox: { notify(): void };
  logger: Logger;
  now(): Date;
}

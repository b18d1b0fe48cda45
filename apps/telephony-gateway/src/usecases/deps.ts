import type { PrismaClient } from '@callplane/db';
import type { Logger } from '@callplane/service-kit';
import type { CallTransitions } from '@callplane/calls';
import type { NumberRoutingCache } from './number-routing';
import type { SessionOpener } from './sessions';

export interface GatewayDeps {
  prisma: PrismaClient;
  numbers: NumberRoutingCache;
  sessions: SessionOpener;
  /** Every later report about a call (status callbacks, LiveKit webhooks) goes through the one state machine here. */
  transitions: CallTransitions;
  publicBaseUrl: string;
  livekitSipHost: string;
  outbox: { notify(): void };
  logger: Logger;
  now(): Date;
}

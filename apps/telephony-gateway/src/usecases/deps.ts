import type { PrismaClient } from '@callplane/db';
import type { Logger } from '@callplane/service-kit';
import type { CallTransitions, SessionOpener } from '@callplane/calls';
import type { NumberRoutingCache } from './number-routing.cache';

export interface GatewayDeps {
  prisma: PrismaClient;
  numbers: NumberRoutingCache;
  /** Opens inbound sessions with their first event (libs/calls, the one owner of call sessions). */
  sessions: SessionOpener;
  /** Every later report about a call (status callbacks, LiveKit webhooks) goes through the one state machine here. */
  transitions: CallTransitions;
  publicBaseUrl: string;
  livekitSipHost: string;
  logger: Logger;
  now(): Date;
}

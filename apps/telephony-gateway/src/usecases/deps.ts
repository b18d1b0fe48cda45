import type { PrismaClient } from '@callplane/db';
import type { Logger, SecretBox } from '@callplane/service-kit';

export interface GatewayDeps {
  prisma: PrismaClient;
  secrets: SecretBox;
  publicBaseUrl: string;
  livekitSipHost: string;
  outbox: { notify(): void };
  logger: Logger;
  now(): Date;
}

import type { PrismaClient } from '@callplane/db';
import type { SecretBox } from '@callplane/service-kit';

export interface ProvisioningDeps {
  prisma: PrismaClient;
  secrets: SecretBox;
  publicBaseUrl: string;
  /** Wakes the outbox relay after a commit so events leave at once rather than at the next poll. */
  outbox: { notify(): void };
}

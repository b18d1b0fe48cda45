import { newId } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { hashApiKey, newApiKey, secretHint } from '@callplane/service-kit';

export interface SeedResult {
  tenantId: string;
  /** Present only on the start that created the user: keys are shown once. */
  apiKey?: string;
}

/** First start of an empty database: a default tenant and user, so the API can be tried at once. */
export async function seedDefaultTenant(prisma: PrismaClient): Promise<SeedResult | null> {
  if ((await prisma.tenant.count()) > 0) return null;
  const apiKey = newApiKey();
  const tenantId = newId('tenant');
  await prisma.tenant.create({
    data: {
      id: tenantId,
      name: 'Default',
      users: { create: { id: newId('user'), email: 'admin@localhost', apiKeyHash: hashApiKey(apiKey), apiKeyHint: secretHint(apiKey) } },
    },
  });
  return { tenantId, apiKey };
}

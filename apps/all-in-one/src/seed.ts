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

export interface SandboxFromNumber {
  tenantId: string;
  number: string;
}

/**
 * The default (oldest) tenant and the number it places sandbox calls from, for the welcome text and
 * `.data/sandbox.json` (`npm run demo`). Provisioning gives every tenant that number on start, in sandbox mode
 * (apps/provisioning `sandbox-numbers.usecase.ts`); this only reads it.
 */
export async function defaultSandboxFromNumber(prisma: PrismaClient): Promise<SandboxFromNumber | null> {
  const tenant = await prisma.tenant.findFirst({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } });
  if (!tenant) return null;
  const phone = await prisma.phoneNumber.findFirst({
    where: { tenantId: tenant.id, outboundEnabled: true, state: 'active' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { number: true },
  });
  return phone ? { tenantId: tenant.id, number: phone.number } : null;
}

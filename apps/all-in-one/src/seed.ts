import { newId } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { hashApiKey, newApiKey, secretHint } from '@callplane/service-kit';

export interface SeedResult {
  tenantId: string;
  /** Present only on the start that created the user: keys are shown once. */
  apiKey?: string;
}

/**
 * The from-number the seed gives the default tenant for sandbox calls. It lies in the sandbox carrier's reserved
 * range (libs/contracts `sandbox.ts`: area code 555 is unassigned), so it can never be a real caller id.
 */
export const SANDBOX_FROM_NUMBER = '+15550100000';

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
 * Every start: the default (oldest) tenant has a number it can place sandbox calls from — provider `sip`, outbound
 * enabled, active. With no LiveKit the dialer sends calls to the sandbox range to the sandbox media plane, which
 * needs no outbound trunk. An existing outbound-capable number is kept as it is; nothing is created when the
 * reserved from-number already belongs to someone.
 */
export async function ensureSandboxFromNumber(prisma: PrismaClient): Promise<SandboxFromNumber | null> {
  const tenant = await prisma.tenant.findFirst({ orderBy: [{ createdAt: 'asc' }, { id: 'asc' }], select: { id: true } });
  if (!tenant) return null;
  const existing = await prisma.phoneNumber.findFirst({
    where: { tenantId: tenant.id, outboundEnabled: true, state: 'active' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { number: true },
  });
  if (existing) return { tenantId: tenant.id, number: existing.number };
  const taken = await prisma.phoneNumber.findFirst({ where: { number: SANDBOX_FROM_NUMBER }, select: { tenantId: true } });
  if (taken) return null;
  await prisma.phoneNumber.create({
    data: { id: newId('phoneNumber'), tenantId: tenant.id, number: SANDBOX_FROM_NUMBER, provider: 'sip', byok: true, outboundEnabled: true, state: 'active' },
  });
  return { tenantId: tenant.id, number: SANDBOX_FROM_NUMBER };
}

import { newId } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { AppError, hashApiKey, newApiKey, notFound, secretHint, type Logger } from '@callplane/service-kit';
import type { ProvisioningDeps } from './deps';
import { giveSandboxNumber } from './sandbox-numbers.usecase';

/** A tenant; in sandbox mode with its sandbox number to call from, in the same transaction (sandbox-numbers.usecase). */
export async function createTenant(deps: Pick<ProvisioningDeps, 'prisma' | 'outbox' | 'sandboxNumbers'>, log: Logger, input: { name: string }) {
  const { tenant, number } = await deps.prisma.$transaction(async (tx) => {
    const t = await tx.tenant.create({ data: { id: newId('tenant'), name: input.name } });
    return { tenant: t, number: deps.sandboxNumbers ? await giveSandboxNumber(tx, t.id) : undefined };
  });
  if (number) deps.outbox.notify();
  if (number === null) log.warn({ tenant_id: tenant.id }, 'every sandbox caller id is taken: the new tenant has no number to place sandbox calls from');
  return { id: tenant.id, name: tenant.name };
}

/** Issues a user and their API key. The key is returned once; only its hash is kept. */
export async function createUser(deps: Pick<ProvisioningDeps, 'prisma'>, tenantId: string, input: { email: string }) {
  const tenant = await deps.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
  if (!tenant) throw notFound('The tenant');
  const apiKey = newApiKey();
  try {
    const user = await deps.prisma.user.create({
      data: { id: newId('user'), tenantId, email: input.email, apiKeyHash: hashApiKey(apiKey), apiKeyHint: secretHint(apiKey) },
    });
    return { id: user.id, email: user.email, api_key: apiKey };
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new AppError('conflict', `A user with email ${input.email} already exists in this tenant.`);
    }
    throw err;
  }
}

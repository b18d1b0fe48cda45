import { newId } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { AppError, hashApiKey, newApiKey, notFound, secretHint } from '@callplane/service-kit';
import type { ProvisioningDeps } from './deps';

export async function createTenant(deps: Pick<ProvisioningDeps, 'prisma'>, input: { name: string }) {
  const tenant = await deps.prisma.tenant.create({ data: { id: newId('tenant'), name: input.name } });
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

import { newId, type ListQuery, type UserDto } from '@callplane/contracts';
import { Prisma, type User } from '@callplane/db';
import { AppError, afterCursor, decodeCursor, hashApiKey, newApiKey, notFound, page, secretHint, type Logger } from '@callplane/service-kit';
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

/** Every tenant, newest first (cursor pages). */
export async function listTenants(deps: Pick<ProvisioningDeps, 'prisma'>, q: ListQuery) {
  const rows = await deps.prisma.tenant.findMany({
    where: afterCursor(decodeCursor(q.cursor)),
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.createdAt);
  return { data: items.map((t) => ({ id: t.id, name: t.name, created_at: t.createdAt.toISOString() })), next_cursor };
}

/** Issues a user and their API key. The key is returned once; only its hash is kept. */
export async function createUser(deps: Pick<ProvisioningDeps, 'prisma'>, tenantId: string, input: { email: string }) {
  await existingTenant(deps, tenantId);
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

/** A tenant's users, newest first (cursor pages); an unknown tenant is 404. */
export async function listUsers(deps: Pick<ProvisioningDeps, 'prisma'>, tenantId: string, q: ListQuery) {
  await existingTenant(deps, tenantId);
  const rows = await deps.prisma.user.findMany({
    where: { tenantId, ...afterCursor(decodeCursor(q.cursor)) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.createdAt);
  return { data: items.map(presentUser), next_cursor };
}

/**
 * Revokes a user's API key: from now on it is refused (401). The user stays listed, with `revoked_at`, and so do the
 * calls they made. Revoking again changes nothing. A user of another tenant is 404, like one that does not exist.
 * `forget` drops the key from this process's authentication cache.
 */
export async function revokeUser(deps: Pick<ProvisioningDeps, 'prisma'>, tenantId: string, userId: string, forget: (userId: string) => void): Promise<UserDto> {
  await deps.prisma.user.updateMany({ where: { id: userId, tenantId, revokedAt: null }, data: { revokedAt: new Date() } });
  const user = await deps.prisma.user.findFirst({ where: { id: userId, tenantId } });
  if (!user) throw notFound('The user');
  forget(user.id);
  return presentUser(user);
}

async function existingTenant(deps: Pick<ProvisioningDeps, 'prisma'>, tenantId: string) {
  const tenant = await deps.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } });
  if (!tenant) throw notFound('The tenant');
}

const presentUser = (u: User): UserDto => ({
  id: u.id,
  email: u.email,
  api_key_hint: u.apiKeyHint,
  created_at: u.createdAt.toISOString(),
  revoked_at: u.revokedAt?.toISOString() ?? null,
});

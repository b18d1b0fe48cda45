import { DO_NOT_CALL_MESSAGE, type ListQuery } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { AppError, decodeCursor, encodeCursor, type Logger } from '@callplane/service-kit';
import type { DialerDeps } from './deps';
import { addToDoNotCallList, isOnDoNotCallList } from './do-not-call.repository';

/** The refusal the dial API, scheduled calls and studio test calls answer for a listed destination (API.md). */
export const doNotCallRefusal = () => new AppError('do_not_call', DO_NOT_CALL_MESSAGE, { status: 409 });

/** Throws `409 do_not_call` when `to` is on the tenant's list. */
export async function refuseListedDestination(prisma: PrismaClient, tenantId: string, to: string): Promise<void> {
  if (await isOnDoNotCallList(prisma, tenantId, to)) throw doNotCallRefusal();
}

/** `POST /voice/dnc`: numbers already listed are left as they are (their `added_at` too), so adding is idempotent. */
export async function addDoNotCallNumbers(deps: DialerDeps, log: Logger, tenantId: string, numbers: string[]): Promise<{ added: number }> {
  const added = await addToDoNotCallList(deps.prisma, tenantId, [...new Set(numbers)], deps.now());
  log.info({ added, sent: numbers.length }, 'do-not-call numbers added');
  return { added };
}

/** `GET /voice/dnc`: newest first, keyset-paged on (added_at, number). */
export async function listDoNotCallNumbers(deps: DialerDeps, tenantId: string, q: ListQuery) {
  const after = decodeCursor(q.cursor);
  const rows = await deps.prisma.doNotCallNumber.findMany({
    where: { tenantId, ...(after ? { OR: [{ addedAt: { lt: after.createdAt } }, { addedAt: after.createdAt, number: { lt: after.id } }] } : {}) },
    orderBy: [{ addedAt: 'desc' }, { number: 'desc' }],
    take: q.limit + 1,
  });
  const items = rows.slice(0, q.limit);
  const last = items[items.length - 1];
  return {
    data: items.map((r) => ({ number: r.number, added_at: r.addedAt.toISOString() })),
    next_cursor: rows.length > q.limit && last ? encodeCursor({ createdAt: last.addedAt, id: last.number }) : null,
  };
}

/** `DELETE /voice/dnc/{number}`: 404 when the number is not on the list. */
export async function removeDoNotCallNumber(deps: DialerDeps, log: Logger, tenantId: string, number: string): Promise<void> {
  const { count } = await deps.prisma.doNotCallNumber.deleteMany({ where: { tenantId, number } });
  if (count === 0) throw new AppError('not_found', `${number} is not on your do-not-call list.`);
  log.info('do-not-call number removed');
}

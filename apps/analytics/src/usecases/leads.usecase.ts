import type { LeadDto } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { decodeCursor, page } from '@callplane/service-kit';

/** Newest callers first, by (first_seen_at, number); the cursor carries both. */
export async function listLeads(prisma: PrismaClient, tenantId: string, q: { limit: number; cursor?: string }) {
  const after = decodeCursor(q.cursor);
  const rows = await prisma.lead.findMany({
    where: {
      tenantId,
      ...(after ? { OR: [{ firstSeenAt: { lt: after.createdAt } }, { firstSeenAt: after.createdAt, number: { lt: after.id } }] } : {}),
    },
    orderBy: [{ firstSeenAt: 'desc' }, { number: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(
    rows.map((r) => ({ ...r, id: r.number })),
    q.limit,
    (r) => r.firstSeenAt,
  );
  return {
    data: items.map((r): LeadDto => ({ number: r.number, first_seen_at: r.firstSeenAt.toISOString(), last_seen_at: r.lastSeenAt.toISOString(), calls: r.calls })),
    next_cursor,
  };
}

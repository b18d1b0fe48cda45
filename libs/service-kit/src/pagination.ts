import { AppError } from './errors';

/** Keyset cursor over (created_at desc, id desc): stable under inserts, opaque to clients. */
export interface PageKey {
  createdAt: Date;
  id: string;
}

export function encodeCursor(k: PageKey): string {
  return Buffer.from(`${k.createdAt.toISOString()}|${k.id}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): PageKey | undefined {
  if (!cursor) return undefined;
  const [at, id] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  const createdAt = new Date(at ?? '');
  if (!id || Number.isNaN(createdAt.getTime())) {
    throw new AppError('validation_failed', 'The cursor is not valid: pass next_cursor from the previous page unchanged.', {
      details: [{ field: 'query.cursor', message: 'not a cursor this API issued' }],
    });
  }
  return { createdAt, id };
}

/** Prisma `where` fragment for rows after the cursor in (createdAt desc, id desc) order. */
export function afterCursor(k: PageKey | undefined, field: 'createdAt' | 'startedAt' = 'createdAt') {
  if (!k) return {};
  return { OR: [{ [field]: { lt: k.createdAt } }, { [field]: k.createdAt, id: { lt: k.id } }] };
}

/** Takes `limit + 1` rows fetched in order and returns the page and the next cursor. */
export function page<T extends { id: string }>(rows: T[], limit: number, keyOf: (row: T) => Date): { items: T[]; next_cursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, next_cursor: rows.length > limit && last ? encodeCursor({ createdAt: keyOf(last), id: last.id }) : null };
}

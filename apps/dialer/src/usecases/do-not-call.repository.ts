import { sqlIn, type DbTx, type PrismaClient, type SqlTx } from '@callplane/db';

/** A client or an open transaction: the checks read the list as the caller's transaction sees it. */
type Db = PrismaClient | DbTx;

/** Whether `number` (E.164) is on the tenant's do-not-call list. */
export async function isOnDoNotCallList(db: Db, tenantId: string, number: string): Promise<boolean> {
  const row = await db.doNotCallNumber.findUnique({ where: { tenantId_number: { tenantId, number } }, select: { number: true } });
  return row !== null;
}

/** The numbers among `numbers` (E.164) that are on the tenant's list, in one round trip however many are asked. */
export async function listedAmong(db: Db | SqlTx, tenantId: string, numbers: readonly string[]): Promise<Set<string>> {
  if (numbers.length === 0) return new Set();
  const rows = await sqlIn(db).query<{ number: string }>(LISTED_AMONG_SQL, [numbers, tenantId]);
  return new Set(rows.map((r) => r.number));
}

const LISTED_AMONG_SQL = `
  SELECT d.number FROM unnest($1::text[]) AS n(number)
  JOIN do_not_call_numbers d ON d.tenant_id = $2 AND d.number = n.number`;

/** Whether the tenant's list has any number at all: an import skips checking each batch against an empty list. */
export async function hasDoNotCallNumbers(db: Db | SqlTx, tenantId: string): Promise<boolean> {
  return (await sqlIn(db).query(`SELECT 1 AS listed FROM do_not_call_numbers WHERE tenant_id = $1 LIMIT 1`, [tenantId])).length > 0;
}

/** Adds the numbers (E.164, distinct) to the list; returns how many were not on it already. */
export async function addToDoNotCallList(db: Db, tenantId: string, numbers: readonly string[], at: Date): Promise<number> {
  if (numbers.length === 0) return 0;
  return db.$executeRaw`
    INSERT INTO do_not_call_numbers (tenant_id, number, added_at)
    SELECT ${tenantId}, n, ${at} FROM unnest(${numbers as string[]}::text[]) AS n
    ON CONFLICT (tenant_id, number) DO NOTHING`;
}

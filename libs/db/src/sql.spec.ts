import { randomUUID } from 'node:crypto';
import { connectPostgres, type Database } from './client';
import { sqlOver } from './sql';

/**
 * libs/db `Sql`, on the pool and through Prisma alone (as on the embedded database): the same statements read back
 * the same values, and a transaction commits or rolls back as a whole.
 */
describe.each([
  ['on the pg pool', true],
  ['through Prisma (no pool)', false],
])('Sql %s', (_name, viaPool) => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 4 });
  });
  afterAll(() => db.close());
  const sql = () => sqlOver(db.prisma, viaPool ? db.pool : null);

  it('commits a transaction that resolves and rolls back one that throws, every statement of it', async () => {
    const kept = `ten_${randomUUID()}`;
    const dropped = `ten_${randomUUID()}`;
    await sql().transaction(async (tx) => {
      await tx.query(`INSERT INTO tenants (id, name) VALUES ($1, 'kept')`, [kept]);
      await tx.query(`UPDATE tenants SET name = 'kept twice' WHERE id = $1`, [kept]);
    });
    await expect(
      sql().transaction(async (tx) => {
        await tx.query(`INSERT INTO tenants (id, name) VALUES ($1, 'dropped')`, [dropped]);
        throw new Error('after writing');
      }),
    ).rejects.toThrow('after writing');
    expect(await db.prisma.tenant.findUnique({ where: { id: kept } })).toMatchObject({ name: 'kept twice' });
    expect(await db.prisma.tenant.findUnique({ where: { id: dropped } })).toBeNull();
    // The pool's connection that rolled back is usable again.
    expect(await sql().query<{ one: number }>(`SELECT 1::int AS one`)).toEqual([{ one: 1 }]);
  });

  it('reads a timestamp as Prisma stores it (UTC wall time), whatever zone the process runs in', async () => {
    const id = `ten_${randomUUID()}`;
    const at = new Date('2026-11-25T23:30:00.123Z');
    const zone = process.env.TZ;
    process.env.TZ = 'Asia/Kolkata';
    try {
      await sql().query(`INSERT INTO tenants (id, name, created_at) VALUES ($1, 'at', $2::timestamp(3))`, [id, at.toISOString()]);
      const [row] = await sql().query<{ created_at: Date; ids: string[]; n: number }>(`SELECT created_at, ARRAY[id] AS ids, 1::int AS n FROM tenants WHERE id = $1`, [id]);
      expect(row).toEqual({ created_at: at, ids: [id], n: 1 });
      expect((await db.prisma.tenant.findUniqueOrThrow({ where: { id } })).createdAt).toEqual(at);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });
});

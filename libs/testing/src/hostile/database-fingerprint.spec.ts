import { newId } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { databaseFingerprint } from './database-fingerprint';

describe('databaseFingerprint', () => {
  let db: Database;
  beforeAll(() => {
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 2 });
  });
  afterAll(async () => {
    await db.close();
  });

  it('covers every table and changes with any row added, changed or removed, and nothing else', async () => {
    const first = await databaseFingerprint(db.prisma);
    expect(Object.keys(first)).toEqual(expect.arrayContaining(['tenants', 'users', 'agents', 'phone_numbers', 'call_sessions', 'campaigns', 'idempotency_records', 'outbox_events']));
    expect(await databaseFingerprint(db.prisma)).toEqual(first);

    const id = newId('tenant');
    await db.prisma.tenant.create({ data: { id, name: 'Fingerprint' } });
    const added = await databaseFingerprint(db.prisma);
    await db.prisma.tenant.update({ where: { id }, data: { name: 'Fingerprint, renamed' } });
    const changed = await databaseFingerprint(db.prisma);
    await db.prisma.tenant.delete({ where: { id } });
    const removed = await databaseFingerprint(db.prisma);

    expect([added.tenants === first.tenants, changed.tenants === added.tenants, removed.tenants]).toEqual([false, false, first.tenants]);
    expect({ ...added, tenants: '' }).toEqual({ ...first, tenants: '' });
    expect(Object.keys(await databaseFingerprint(db.prisma, { exclude: ['tenants'] }))).not.toContain('tenants');
  });
});

import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { connectPostgres, Prisma, type Database } from '..';
import { pgMigrationAdapter } from './pg-migration-adapter';
import { openMigrationEngine, readMigrations } from './schema-engine';

const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';

async function admin(sql: string) {
  const c = new pg.Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

describe('migrations', () => {
  const name = `callplane_migrations_${randomBytes(4).toString('hex')}`;
  const url = Object.assign(new URL(ADMIN_URL), { pathname: `/${name}` }).toString();
  let db: Database;

  beforeAll(async () => {
    await admin(`CREATE DATABASE "${name}"`);
  });
  afterAll(async () => {
    await db?.close();
    await admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });

  it('agree with the Prisma schema (no drift: the diff from the committed migrations is empty)', async () => {
    const engine = await openMigrationEngine(pgMigrationAdapter(url));
    try {
      const sql = await engine.diffMigrationsToSchema();
      expect(sql.replace(/^-- This is an empty migration\.?$/m, '').trim()).toBe('');
    } finally {
      await engine.close();
    }
  });

  it('apply to an empty database once, recorded in _prisma_migrations as prisma migrate deploy expects', async () => {
    const committed = (await readMigrations()).migrationDirectories.map((d) => d.path);
    expect(committed.length).toBeGreaterThan(0);
    const engine = await openMigrationEngine(pgMigrationAdapter(url));
    try {
      expect(await engine.applyMigrations()).toEqual(committed);
      expect(await engine.applyMigrations()).toEqual([]);
    } finally {
      await engine.close();
    }
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    const rows = await c.query<{ migration_name: string; finished_at: Date | null; checksum: string }>('SELECT migration_name, finished_at, checksum FROM _prisma_migrations ORDER BY migration_name');
    await c.end();
    expect(rows.rows.map((r) => r.migration_name)).toEqual(committed);
    for (const r of rows.rows) {
      expect(r.finished_at).not.toBeNull();
      expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('give every model a working table through the generated client', async () => {
    db = connectPostgres({ url });
    const p = db.prisma;
    const tenant = await p.tenant.create({ data: { id: 'ten_m1', name: 'Migrations' } });
    await p.user.create({ data: { id: 'usr_m1', tenantId: tenant.id, email: 'm@example.com', apiKeyHash: 'h1', apiKeyHint: '…abcd' } });
    const agent = await p.agent.create({ data: { id: 'agt_m1', tenantId: tenant.id, name: 'A', systemPrompt: 'p', voice: { greeting: 'hi' }, afterHours: Prisma.DbNull } });
    await p.phoneNumber.create({ data: { id: 'pn_m1', tenantId: tenant.id, number: '+14155550100', provider: 'sip', agentId: agent.id } });
    await p.callSession.create({
      data: { id: 'cs_m1', tenantId: tenant.id, agentId: agent.id, phoneNumberId: 'pn_m1', direction: 'inbound', callType: 'production', fromNumber: '+1', toNumber: '+2', provider: 'sip', providerCallId: 'CA1', status: 'initiating' },
    });
    await p.sessionView.create({
      data: { id: 'cs_m1', tenantId: tenant.id, direction: 'inbound', callType: 'production', fromNumber: '+1', toNumber: '+2', provider: 'sip', status: 'initiating', startedAt: new Date(), lastEventAt: new Date() },
    });
    await p.outboxEvent.create({ data: { id: 'evt_m1', topic: 'call.lifecycle', key: 'cs_m1', envelope: { id: 'evt_m1' } } });
    await p.processedEvent.create({ data: { consumer: 'g', eventId: 'evt_m1' } });
    await p.idempotencyRecord.create({ data: { scope: 'usr_m1', key: 'k', method: 'post', path: '/x', bodyHash: 'b', expiresAt: new Date(Date.now() + 1000) } });

    const loaded = await p.tenant.findUniqueOrThrow({ where: { id: tenant.id }, include: { users: true, agents: { include: { phoneNumbers: true } }, phoneNumbers: true } });
    expect(loaded.users).toHaveLength(1);
    expect(loaded.agents[0]!.phoneNumbers.map((n) => n.id)).toEqual(['pn_m1']);
    expect((await p.sessionView.findUniqueOrThrow({ where: { id: 'cs_m1' } })).transcript).toEqual([]);

    // The constraints the services rely on exist in the database, not only in the schema file.
    const dup = (fn: () => Promise<unknown>) => expect(fn()).rejects.toMatchObject({ code: 'P2002' });
    await dup(() => p.phoneNumber.create({ data: { id: 'pn_m2', tenantId: tenant.id, number: '+14155550100', provider: 'sip' } }));
    await dup(() => p.callSession.create({ data: { id: 'cs_m2', tenantId: tenant.id, direction: 'inbound', callType: 'production', fromNumber: '+1', toNumber: '+2', provider: 'sip', providerCallId: 'CA1', status: 'initiating' } }));
    await dup(() => p.processedEvent.create({ data: { consumer: 'g', eventId: 'evt_m1' } }));
    await dup(() => p.user.create({ data: { id: 'usr_m2', tenantId: tenant.id, email: 'other@example.com', apiKeyHash: 'h1', apiKeyHint: 'x' } }));

    // Deleting an agent frees its numbers; deleting a tenant removes what it owns.
    await p.agent.delete({ where: { id: agent.id } });
    expect((await p.phoneNumber.findUniqueOrThrow({ where: { id: 'pn_m1' } })).agentId).toBeNull();
    await p.tenant.delete({ where: { id: tenant.id } });
    expect(await p.phoneNumber.count({ where: { tenantId: tenant.id } })).toBe(0);
    expect(await p.user.count({ where: { tenantId: tenant.id } })).toBe(0);
  });
});

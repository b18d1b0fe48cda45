import pg from 'pg';
import { freePort, pollUntil } from '@callplane/testing';
import { connectPostgres, type Database } from './client';
import { isDatabaseUnavailable } from './unavailable';

/** Real failures, as Prisma (through the pg adapter) and `pg` report them: the classification must know each one. */
describe('isDatabaseUnavailable', () => {
  const url = process.env.DATABASE_URL!;
  let db: Database;
  let watcher: pg.Client;

  beforeAll(async () => {
    db = connectPostgres({ url, poolSize: 2 });
    watcher = new pg.Client({ connectionString: url });
    await watcher.connect();
  });
  afterAll(async () => {
    await watcher?.end();
    await db?.close();
  });

  /** The error a statement fails with when the server ends its connection under it. */
  async function terminatedUnder(run: () => Promise<unknown>): Promise<unknown> {
    const failed = run().then(
      () => new Error('the statement finished: it was not cut off'),
      (err: unknown) => err,
    );
    // Ends that statement's backend once it runs (this connection's own query names pg_sleep too: not itself).
    await pollUntil(
      async () => (await watcher.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%pg_sleep(30)%' AND pid <> pg_backend_pid()`)).rowCount! > 0,
      { timeoutMs: 10_000, description: 'the statement to run, to end its connection' },
    );
    return failed;
  }

  it('is true when the server ends the connection under a Prisma statement, and under one on the pool', async () => {
    const viaPrisma = await terminatedUnder(() => db.prisma.$queryRaw`SELECT pg_sleep(30)::text AS slept`);
    expect(isDatabaseUnavailable(viaPrisma)).toBe(true);
    const viaPool = await terminatedUnder(() => db.pool!.query('SELECT pg_sleep(30)::text AS slept'));
    expect(isDatabaseUnavailable(viaPool)).toBe(true);
  });

  it('is true when nothing listens where the database should be, in and out of a transaction', async () => {
    const nowhere = connectPostgres({ url: `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`, poolSize: 1 });
    try {
      expect(isDatabaseUnavailable(await nowhere.prisma.callSession.findFirst().catch((e: unknown) => e))).toBe(true);
      expect(isDatabaseUnavailable(await nowhere.prisma.$transaction((tx) => tx.callSession.findFirst()).catch((e: unknown) => e))).toBe(true);
      expect(isDatabaseUnavailable(await nowhere.pool!.query('SELECT 1').catch((e: unknown) => e))).toBe(true);
    } finally {
      await nowhere.close();
    }
  });

  it('is false for a statement the database refused, and for errors that are not the database’s', async () => {
    const syntax = await db.prisma.$queryRawUnsafe('SELEC 1').catch((e: unknown) => e);
    expect(syntax).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    const missing = await db.prisma.tenant.update({ where: { id: 'no-such-tenant' }, data: { name: 'x' } }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(Error);
    expect(isDatabaseUnavailable(missing)).toBe(false);
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});

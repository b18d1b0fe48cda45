import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import type { SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import { PrismaClient } from './generated/prisma/client';
import { openMigrationEngine } from './migrate/schema-engine';

export type Db = PrismaClient;
/** The client inside `$transaction(async (tx) => …)`: what use cases take when they must write atomically. */
export type DbTx = Parameters<Parameters<PrismaClient['$transaction']>[0]>[0];

export interface Database {
  prisma: PrismaClient;
  /**
   * The node-postgres pool under `prisma` (distributed mode; absent for the embedded database): for the few hot
   * statements where Prisma's per-query overhead matters. Same connections, same limits.
   */
  pool?: pg.Pool;
  /** Cheap round trip for readiness probes. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface PgOptions {
  url: string;
  /** Pool size per process; the dialer's concurrency tests raise it. */
  poolSize?: number;
}

/**
 * A transaction waits up to 10 s for a connection before it fails, not Prisma's 2 s: a pool that is busy for a
 * moment (a burst of webhooks, a loaded machine) should slow a request down, not answer it with a 500.
 */
const TRANSACTION_OPTIONS = { maxWait: 10_000 } as const;

/** Distributed mode: a real PostgreSQL server through node-postgres. */
export function connectPostgres(opts: PgOptions): Database {
  const pool = new pg.Pool({ connectionString: opts.url, max: opts.poolSize ?? 10 });
  // An idle connection the server dropped: the pool replaces it on the next query; nothing to crash over.
  pool.on('error', () => undefined);
  // The pool listens for errors only on idle connections. One the server ends (a failover, pg_terminate_backend) while
  // it is checked out between queries raises 'error' on the client itself: a holder that listens for none (Prisma's
  // transactions listen only once `connect()` has resolved; the server's goodbye can arrive in the very packet whose
  // answer handed the connection over) would leave it unhandled, and that ends the process. Every connection keeps
  // this listener for life: the holder's next query fails, and the pool discards the connection when it comes back.
  pool.on('connect', (client) => client.on('error', () => undefined));
  const db = wrap(new PrismaClient({ adapter: new PrismaPg(pool), transactionOptions: TRANSACTION_OPTIONS }));
  return {
    ...db,
    pool,
    async close() {
      await db.close();
      await pool.end().catch(() => undefined);
    },
  };
}

/**
 * All-in-one mode: an embedded PostgreSQL (PGlite, WebAssembly) keeping its data under `dataDir`.
 * Migrations run in-process through the same schema engine, so a fresh folder is ready on first start.
 */
export async function openEmbedded(dataDir: string): Promise<Database> {
  const [{ PGlite }, { PrismaPGlite }] = await Promise.all([import('@electric-sql/pglite'), import('pglite-prisma-adapter')]);
  const pglite = new PGlite({ dataDir });
  await pglite.waitReady;
  const factory = new PrismaPGlite(pglite) as unknown as SqlMigrationAwareDriverAdapterFactory;
  const engine = await openMigrationEngine(factory);
  try {
    await engine.applyMigrations();
  } finally {
    await engine.close();
  }
  const db = wrap(new PrismaClient({ adapter: factory, transactionOptions: TRANSACTION_OPTIONS }));
  return {
    ...db,
    async close() {
      await db.close();
      await pglite.close();
    },
  };
}

function wrap(prisma: PrismaClient): Database {
  return {
    prisma,
    async ping() {
      await prisma.$queryRaw`SELECT 1`;
    },
    async close() {
      await prisma.$disconnect();
    },
  };
}

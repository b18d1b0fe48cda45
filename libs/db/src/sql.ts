import pg from 'pg';
import type { DbTx } from './client';
import type { PrismaClient } from './generated/prisma/client';

/**
 * Hand-written SQL for the hot paths (a campaign's calls: their dispatch, their state, their events), where Prisma's
 * client costs several times the statement's own work in CPU. The same statements run on the node-postgres pool under
 * Prisma when there is one (`Database.pool`), or through Prisma's raw queries otherwise (the embedded database), and
 * read back the same values either way:
 *   - parameters: timestamps as ISO-8601 UTC strings, cast in the SQL (`$1::timestamp(3)` stores UTC wall time, as
 *     Prisma does; `$1::timestamptz AT TIME ZONE 'UTC'` likewise), arrays with an explicit `::text[]`/`::int[]` cast;
 *   - results: `timestamp` columns come back as `Date` read as UTC (as Prisma reads them), `jsonb` parsed, `int4` as
 *     numbers; no `int8`/`numeric` (cast counts `::int`).
 * Statement texts are constants (values go in parameters): on the pool each text is prepared once per connection.
 */
export interface SqlTx {
  query<R extends object = Record<string, unknown>>(text: string, values?: readonly unknown[]): Promise<R[]>;
}

export interface Sql extends SqlTx {
  /**
   * `fn`'s statements in one transaction on one connection: committed when it resolves, rolled back when it throws.
   * `timeoutMs` (default 30 s) bounds it: on Prisma (the embedded database), the whole transaction; on the pool, each
   * wait between its statements (`idle_in_transaction_session_timeout`: the server ends a transaction whose holder
   * went quiet, and its locks with it).
   */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>, opts?: { timeoutMs?: number }): Promise<T>;
}

/** A transaction's bound when the caller names none (Prisma's, as `connectPostgres` configures it elsewhere: 30 s). */
const DEFAULT_TIMEOUT_MS = 30_000;

/** What `sqlOver` uses of a node-postgres pool; a `pg` Pool (`Database.pool`) fits. */
export interface SqlPool {
  query<R extends object>(q: pg.QueryConfig): Promise<{ rows: R[] }>;
  connect(): Promise<{ query<R extends object>(q: pg.QueryConfig | string): Promise<{ rows: R[] }>; release(err?: Error | boolean): void }>;
}

/** The statements over `pool` when given, else over `prisma` (the embedded database): one `Sql` per process, built where its database is. */
export function sqlOver(prisma: PrismaClient, pool?: SqlPool | null): Sql {
  return pool ? pgSql(pool) : prismaSql(prisma);
}

/**
 * The same statements inside a transaction the caller already holds (its locks, its commit): a Prisma interactive
 * transaction, or one of `Sql.transaction`'s (returned as it is); on a Prisma client, each statement on its own.
 */
export function sqlIn(tx: DbTx | PrismaClient | SqlTx): SqlTx {
  if ('query' in tx) return tx;
  return { query: (text, values = []) => tx.$queryRawUnsafe(text, ...values) };
}

function prismaSql(prisma: PrismaClient): Sql {
  return {
    query: (text, values = []) => prisma.$queryRawUnsafe(text, ...values),
    transaction: (fn, opts) => prisma.$transaction((tx) => fn(sqlIn(tx)), { timeout: opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
  };
}

/** `timestamp` (without time zone, OID 1114) holds UTC wall time: read it as UTC, not in the process's zone. */
const TIMESTAMP_OID = 1114;
const TYPES: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === TIMESTAMP_OID ? (v: string) => new Date(`${v.replace(' ', 'T')}Z`) : pg.types.getTypeParser(oid, format as 'text')) as pg.CustomTypesConfig['getTypeParser'],
};

/** Each distinct statement text gets a prepared-statement name, once (texts are constants: the map stays small). */
const names = new Map<string, string>();
const MAX_NAMED = 1_000;
function statement(text: string, values: readonly unknown[]): pg.QueryConfig {
  let name = names.get(text);
  if (!name && names.size < MAX_NAMED) names.set(text, (name = `callplane_sql_${names.size}`));
  return { text, values: values as unknown[], types: TYPES, ...(name ? { name } : {}) };
}

function pgSql(pool: SqlPool): Sql {
  return {
    async query(text, values = []) {
      return (await pool.query(statement(text, values))).rows as never;
    },
    async transaction(fn, opts) {
      const client = await pool.connect();
      // A BEGIN, COMMIT or ROLLBACK that failed leaves the connection in an unknown state: it is not handed back.
      let broken: Error | undefined;
      const control = (text: string) =>
        client.query(text).catch((e: unknown) => {
          broken = e instanceof Error ? e : new Error(String(e));
          throw e;
        });
      try {
        // One round trip: the transaction and its idle bound.
        await control(`BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.round(opts?.timeoutMs ?? DEFAULT_TIMEOUT_MS))}`);
        let result: Awaited<ReturnType<typeof fn>>;
        try {
          result = await fn({ query: async (text, values = []) => (await client.query(statement(text, values))).rows as never });
        } catch (err) {
          await control('ROLLBACK').catch(() => undefined);
          throw err;
        }
        await control('COMMIT');
        return result;
      } finally {
        client.release(broken);
      }
    },
  };
}

import { randomUUID } from 'node:crypto';
import { PrismaPg } from '@prisma/adapter-pg';
import type { SqlDriverAdapter, SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import pg from 'pg';

const PG_CHAR_OID = 18;
const PG_TEXT_OID = 25;

/**
 * A pool whose results report PostgreSQL's internal single-byte `"char"` type as text.
 * The schema engine's catalog queries return `"char"` columns (pg_class.relkind, pg_constraint.contype)
 * and @prisma/adapter-pg 7.10 has no column type for OID 18, so describing a database fails without this.
 * Used only for migrations; the runtime client never reads catalog tables.
 */
function reportCharAsText(res: pg.QueryResult): pg.QueryResult {
  for (const field of res.fields ?? []) if (field.dataTypeID === PG_CHAR_OID) field.dataTypeID = PG_TEXT_OID;
  return res;
}

function catalogSafePool(config: pg.PoolConfig): pg.Pool {
  const pool = new pg.Pool(config);
  pool.on('connect', (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as { query: unknown }).query = (...args: unknown[]) => {
      // pg-pool calls client.query in callback style; direct clients use promises.
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        args[last] = (err: Error | null, res: pg.QueryResult) => callback(err, res && reportCharAsText(res));
        return query(...args);
      }
      const result = query(...args);
      return result instanceof Promise ? result.then(reportCharAsText) : result;
    };
  });
  return pool;
}

async function connectWith(config: pg.PoolConfig, onDispose?: () => Promise<void>): Promise<SqlDriverAdapter> {
  const adapter = await new PrismaPg(catalogSafePool(config), { disposeExternalPool: true }).connect();
  const dispose = adapter.dispose.bind(adapter);
  let disposed: Promise<void> | undefined;
  adapter.dispose = () =>
    (disposed ??= (async () => {
      await dispose();
      await onDispose?.();
    })());
  return adapter;
}

/** Driver-adapter factory for the schema engine over a real PostgreSQL server (node-postgres). */
export function pgMigrationAdapter(connectionString: string): SqlMigrationAwareDriverAdapterFactory & { close(): Promise<void> } {
  // The engine never disposes what it connected; we close the pools when the caller is done with it.
  const open = new Set<SqlDriverAdapter>();
  const track = async (p: Promise<SqlDriverAdapter>) => {
    const a = await p;
    open.add(a);
    return a;
  };
  return {
    provider: 'postgres',
    adapterName: '@callplane/db-migrate-pg',
    connect: () => track(connectWith({ connectionString, max: 2 })),
    async close() {
      const all = [...open];
      open.clear();
      await Promise.all(all.map((a) => a.dispose()));
    },
    async connectToShadowDb() {
      const database = `prisma_shadow_${randomUUID().replaceAll('-', '')}`;
      const admin = new pg.Client({ connectionString });
      await admin.connect();
      await admin.query(`CREATE DATABASE "${database}"`);
      await admin.end();
      const url = new URL(connectionString);
      url.pathname = `/${database}`;
      return track(connectWith({ connectionString: url.toString(), max: 2 }, async () => {
        const dropper = new pg.Client({ connectionString });
        await dropper.connect();
        await dropper.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
        await dropper.end();
      }));
    },
  };
}

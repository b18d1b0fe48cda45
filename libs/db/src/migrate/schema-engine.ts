import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { bindMigrationAwareSqlAdapterFactory, type SqlMigrationAwareDriverAdapterFactory } from '@prisma/driver-adapter-utils';
import type { MigrationList, SchemaEngine as WasmSchemaEngine } from '@prisma/schema-engine-wasm';

/**
 * Prisma's own schema engine, compiled to WebAssembly, driven through a driver adapter.
 * It needs no engine download, so migrations apply on any machine with node_modules; the
 * history it records in `_prisma_migrations` is the one `prisma migrate deploy` reads in production.
 */
// A bundled build ships the prisma folder elsewhere and says where with CALLPLANE_PRISMA_DIR.
const PRISMA_DIR = process.env.CALLPLANE_PRISMA_DIR ?? path.resolve(__dirname, '../../prisma');
export const SCHEMA_DIR = path.join(PRISMA_DIR, 'schema');
export const MIGRATIONS_DIR = path.join(PRISMA_DIR, 'migrations');

type EngineModule = typeof import('@prisma/schema-engine-wasm');

/** Node's WebAssembly global; our TypeScript lib settings (ES2023, no DOM) don't declare it. */
interface WasmApi {
  instantiate(bytes: Uint8Array, imports: Record<string, object>): Promise<{ instance: { exports: Record<string, unknown> } }>;
}
const wasm = () => (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

let engineModule: Promise<EngineModule> | undefined;

/** The package's entry imports a .wasm file as an ES module, which Node 20 can't without a flag: instantiate it by hand. */
function loadEngineModule(): Promise<EngineModule> {
  engineModule ??= (async () => {
    const req = createRequire(__filename);
    const bgPath = req.resolve('@prisma/schema-engine-wasm/schema_engine_bg');
    const bg = req(bgPath) as EngineModule & { __wbg_set_wasm(w: Record<string, unknown>): void };
    const bytes = await readFile(path.join(path.dirname(bgPath), 'schema_engine_bg.wasm'));
    const { instance } = await wasm().instantiate(bytes, { './schema_engine_bg.js': bg });
    bg.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    return bg;
  })();
  return engineModule;
}

export async function readSchemaFiles(dir = SCHEMA_DIR): Promise<Array<[string, string]>> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.prisma')).sort();
  return Promise.all(names.map(async (n) => [path.join(dir, n), await readFile(path.join(dir, n), 'utf8')] as [string, string]));
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<MigrationList> {
  const entries = await readdir(dir, { withFileTypes: true });
  const dirs = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  const lockPath = path.join(dir, 'migration_lock.toml');
  const lockContent = await readFile(lockPath, 'utf8').catch(() => null);
  return {
    baseDir: dir,
    lockfile: { path: 'migration_lock.toml', content: lockContent },
    shadowDbInitScript: '',
    migrationDirectories: await Promise.all(
      dirs.map(async (d) => {
        const content = await readFile(path.join(dir, d, 'migration.sql'), 'utf8').then(
          (ok) => ({ tag: 'ok' as const, value: ok }),
          (e: Error) => ({ tag: 'error' as const, value: e.message }),
        );
        return { path: d, migrationFile: { path: 'migration.sql', content } };
      }),
    ),
  } as MigrationList;
}

export interface MigrationEngine {
  /** Applies every pending migration in order; returns the names applied now. */
  applyMigrations(): Promise<string[]>;
  /** SQL that would take the committed migrations to the current schema: empty when they agree. */
  diffMigrationsToSchema(): Promise<string>;
  /** Frees the engine and closes the connections it opened. */
  close(): Promise<void>;
}

const NO_FILTER = { externalTables: [], externalEnums: [] };

export async function openMigrationEngine(
  adapterFactory: SqlMigrationAwareDriverAdapterFactory & { close?(): Promise<void> },
  opts: { schemaDir?: string; migrationsDir?: string; log?: (line: string) => void } = {},
): Promise<MigrationEngine> {
  const mod = await loadEngineModule();
  const datamodels = await readSchemaFiles(opts.schemaDir);
  const log = opts.log ?? (() => undefined);
  const engine: WasmSchemaEngine = await mod.SchemaEngine.new({ datamodels }, (l: string) => log(l), bindMigrationAwareSqlAdapterFactory(adapterFactory));
  return {
    async applyMigrations() {
      const out = await engine.applyMigrations({ migrationsList: await readMigrations(opts.migrationsDir), filters: NO_FILTER });
      return out.appliedMigrationNames;
    },
    async diffMigrationsToSchema() {
      const res = await engine.diff({
        from: { tag: 'migrations', ...(await readMigrations(opts.migrationsDir)) },
        to: { tag: 'schemaDatamodel', files: datamodels.map(([p, content]) => ({ path: p, content })) },
        script: true,
        exitCode: null,
        filters: NO_FILTER,
      });
      return (res.stdout ?? '').trim();
    },
    async close() {
      engine.free();
      await adapterFactory.close?.();
    },
  };
}

/**
 * Operator and developer entry for migrations, runnable with no engine download:
 *   db-migrate deploy            apply pending migrations to DATABASE_URL (what the Kubernetes Job runs)
 *   db-migrate diff              print the SQL the schema needs beyond the committed migrations; exit 1 if any (drift check)
 *   db-migrate new <name>        write that SQL as the next migration folder
 * `prisma migrate deploy` reads the same folder and the same `_prisma_migrations` table.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MIGRATIONS_DIR, openMigrationEngine } from './schema-engine';
import { pgMigrationAdapter } from './pg-migration-adapter';

async function main(): Promise<number> {
  const [command, name] = process.argv.slice(2);
  const url = process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('DATABASE_URL is required (a PostgreSQL connection string).\n');
    return 2;
  }
  const engine = await openMigrationEngine(pgMigrationAdapter(url));
  try {
    switch (command) {
      case 'deploy': {
        const applied = await engine.applyMigrations();
        process.stdout.write(applied.length ? `Applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'No pending migrations.\n');
        return 0;
      }
      case 'diff': {
        const sql = await engine.diffMigrationsToSchema();
        if (!sql || /^-- This is an empty migration\.?$/m.test(sql)) {
          process.stdout.write('Migrations and schema agree.\n');
          return 0;
        }
        process.stdout.write(`${sql}\n`);
        return 1;
      }
      case 'new': {
        if (!name || !/^[a-z0-9_]+$/.test(name)) {
          process.stderr.write('Usage: db-migrate new <snake_case_name>\n');
          return 2;
        }
        const sql = await engine.diffMigrationsToSchema();
        if (!sql || /^-- This is an empty migration\.?$/m.test(sql)) {
          process.stdout.write('Nothing to migrate: migrations and schema agree.\n');
          return 0;
        }
        const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
        const dir = path.join(MIGRATIONS_DIR, `${stamp}_${name}`);
        await mkdir(dir, { recursive: true });
        await writeFile(path.join(dir, 'migration.sql'), `${sql}\n`);
        process.stdout.write(`Wrote ${path.relative(process.cwd(), dir)}/migration.sql\n`);
        return 0;
      }
      default:
        process.stderr.write('Usage: db-migrate deploy | diff | new <name>\n');
        return 2;
    }
  } finally {
    await engine.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

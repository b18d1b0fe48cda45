import type { PrismaClient } from '@callplane/db';

/**
 * Every table of the public schema, each as its row count and a digest of its rows in a fixed order: equal
 * fingerprints before and after a run mean it wrote nothing (no row added, removed or changed), whichever table.
 * `exclude` names tables a run may legitimately write; whoever passes one says why.
 */
export async function databaseFingerprint(prisma: PrismaClient, opts: { exclude?: readonly string[] } = {}): Promise<Record<string, string>> {
  const tables = await prisma.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY table_name`,
  );
  const out: Record<string, string> = {};
  for (const { name } of tables) {
    if (opts.exclude?.includes(name)) continue;
    const quoted = `"${name.replaceAll('"', '""')}"`;
    const [row] = await prisma.$queryRawUnsafe<Array<{ rows: bigint; digest: string | null }>>(
      `SELECT count(*) AS rows, md5(string_agg(md5(t::text), '' ORDER BY md5(t::text))) AS digest FROM ${quoted} t`,
    );
    out[name] = `${row!.rows} rows, ${row!.digest ?? '-'}`;
  }
  return out;
}

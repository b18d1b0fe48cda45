import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const kafka = (globalThis as { __kafkaMock?: { stop(): Promise<void> } }).__kafkaMock;
  await kafka?.stop();
  const template = process.env.TEST_DATABASE_TEMPLATE;
  if (!template || process.env.KEEP_TEST_DATABASE) return;
  const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1 OR datname LIKE $2', [template, `${template}\\_%`]);
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS "${r.datname}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

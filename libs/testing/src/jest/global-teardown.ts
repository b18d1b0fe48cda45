import pg from 'pg';

export default async function globalTeardown(): Promise<void> {
  const kafka = (globalThis as { __kafkaMock?: { stop(): Promise<void> } }).__kafkaMock;
  await kafka?.stop();
  const name = process.env.TEST_DATABASE_NAME;
  if (!name || process.env.KEEP_TEST_DATABASE) return;
  const admin = new pg.Client({ connectionString: process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await admin.end();
}

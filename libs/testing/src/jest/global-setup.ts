import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { startKafkaMock } from '../kafka/kafka-mock';

const ROOT = path.resolve(__dirname, '../../../..');

/**
 * Once per `jest` run: a PostgreSQL database with every migration applied, used as the template each test
 * file copies into a database of its own (per-file-database.ts), and a Kafka-protocol broker (librdkafka's
 * mock cluster). Their addresses reach the test workers through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const adminUrl = process.env.TEST_POSTGRES_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const template = `callplane_test_${Date.now()}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE "${template}"`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${template}`;
  process.env.TEST_POSTGRES_URL = adminUrl;
  process.env.TEST_DATABASE_TEMPLATE = template;
  process.env.DATABASE_URL = url.toString();

  const migrate = spawnSync(path.join(ROOT, 'node_modules/.bin/tsx'), ['libs/db/src/migrate/cli.ts', 'deploy'], {
    cwd: ROOT,
    env: process.env,
    encoding: 'utf8',
  });
  if (migrate.status !== 0) throw new Error(`Migrations failed on the test database:\n${migrate.stdout}\n${migrate.stderr}`);

  const kafka = await startKafkaMock({ brokers: 3 });
  process.env.KAFKA_BROKERS = kafka.bootstrap;
  (globalThis as { __kafkaMock?: unknown }).__kafkaMock = kafka;
}

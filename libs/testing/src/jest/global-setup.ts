import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { ensureDebianPackages } from '../debian-packages';
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

  // The voice agent's local recogniser is tested for real: every spec that places a sandbox call needs it, so it is
  // installed here, before any of them runs (paths as apps/voice-agent/src/local/pocketsphinx-stt.ts reads them).
  await ensureDebianPackages({
    packages: ['pocketsphinx', 'pocketsphinx-en-us'],
    present: () => onPath('pocketsphinx_continuous') && existsSync('/usr/share/pocketsphinx/model/en-us/en-us/mdef'),
    neededFor: 'the local speech recogniser (pocketsphinx_continuous and its en-us model)',
  });

  const kafka = await startKafkaMock({ brokers: 3 });
  process.env.KAFKA_BROKERS = kafka.bootstrap;
  (globalThis as { __kafkaMock?: unknown }).__kafkaMock = kafka;
}

const onPath = (bin: string) => (process.env.PATH ?? '').split(path.delimiter).some((dir) => dir && existsSync(path.join(dir, bin)));

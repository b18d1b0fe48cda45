import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * Before each test file: a database of its own, copied from the migrated template (fast: no migrations run),
 * so one file's rows, outbox relays and consumers never see another's. Synchronous, because describe blocks
 * read DATABASE_URL while the file is collected, before any hook runs. Dropped by the global teardown.
 */
const template = process.env.TEST_DATABASE_TEMPLATE;
const adminUrl = process.env.TEST_POSTGRES_URL;
if (template && adminUrl) {
  const name = `${template}_${randomBytes(4).toString('hex')}`;
  const script = `
    const pg = require('pg');
    (async () => {
      for (let attempt = 0; ; attempt++) {
        const c = new pg.Client({ connectionString: process.env.ADMIN_URL });
        await c.connect();
        try { await c.query('CREATE DATABASE "' + process.env.NAME + '" TEMPLATE "' + process.env.TEMPLATE + '"'); return; }
        catch (e) { if (attempt > 20 || !/being accessed by other users/.test(e.message)) throw e; }
        finally { await c.end(); }
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    })().catch((e) => { console.error(e.message); process.exit(1); });`;
  const res = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, ADMIN_URL: adminUrl, NAME: name, TEMPLATE: template },
    encoding: 'utf8',
  });
  if (res.status !== 0) throw new Error(`Could not create the test database ${name}: ${res.stderr}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  process.env.DATABASE_URL = url.toString();
}

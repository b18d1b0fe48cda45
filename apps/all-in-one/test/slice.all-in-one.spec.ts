import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pollUntil } from '@callplane/testing';
import { http, runSliceScenario } from './slice-scenario';

const ROOT = path.resolve(__dirname, '../../..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

interface Started {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

/** `npm start`'s process, as a user runs it: one process, one port, embedded database, in-process bus. */
function startAllInOne(port: number, dataDir: string): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['apps/all-in-one/src/main.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited };
}

describe('first call slice, all-in-one (embedded PostgreSQL, in-process bus)', () => {
  let dataDir: string;
  let current: Started | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-aio-'));
  });
  afterAll(async () => {
    if (current && current.child.exitCode === null) {
      current.child.kill('SIGKILL');
      await current.exited;
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('runs the slice in one process, prints credentials once, drains on SIGTERM and keeps data across restarts', async () => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    current = startAllInOne(port, dataDir);
    const first = current;
    await pollUntil(() => /curl -s -X POST/.test(first.output()) || first.child.exitCode !== null, { timeoutMs: 90_000, intervalMs: 100, description: 'the all-in-one to start' });
    const out = first.output();
    expect(out).toContain(`Callplane all-in-one is running on ${base}`);
    const adminToken = /operator token:\s+(\S+)/.exec(out)?.[1];
    const apiKey = /API key:\s+(cp_live_\S+)/.exec(out)?.[1];
    expect(adminToken).toBeDefined();
    expect(apiKey).toBeDefined();
    expect(statSync(path.join(dataDir, 'secrets.json')).mode & 0o777).toBe(0o600);

    // The printed key works as printed.
    expect((await http('GET', `${base}/voice/agents`, { token: apiKey })).status).toBe(200);
    for (const p of ['/healthz', '/readyz']) expect((await http('GET', `${base}${p}`)).status).toBe(200);
    const doc = await http('GET', `${base}/openapi.json`);
    expect(Object.keys(doc.json.paths as object)).toEqual(expect.arrayContaining(['/voice/agents', '/voice/phone-numbers', '/twilio/incoming/{phone_id}', '/voice/sessions', '/admin/tenants']));

    const { apiKeyA, sessionId } = await runSliceScenario({ provisioning: base, gateway: base, analytics: base, publicBaseUrl: base, adminToken: adminToken! }, 'sip.localhost');

    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    current = startAllInOne(port, dataDir);
    const second = current;
    await pollUntil(() => /Issue an API key/.test(second.output()) || second.child.exitCode !== null, { timeoutMs: 90_000, intervalMs: 100, description: 'the restart' });
    expect(second.output()).not.toMatch(/API key:\s+cp_live_/);
    expect(second.output()).toContain(`operator token:  ${adminToken}`);
    const again = await http('GET', `${base}/voice/sessions/${sessionId}`, { token: apiKeyA });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(sessionId);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  });
});

import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';
import { http, runSliceScenario } from './slice-scenario';

const ROOT = path.resolve(__dirname, '../../..');

/** `npm start`'s process, as a user runs it: one process, one port, embedded database, in-process bus. */
function startAllInOne(port: number, dataDir: string): ChildService {
  const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
  delete env.DATABASE_URL;
  delete env.KAFKA_BROKERS;
  // node with tsx as its loader, not tsx's CLI: the CLI relays a signal and SIGKILLs the service when its event loop
  // does not acknowledge within ~60 ms (busy embedded PostgreSQL), which is not the drain under test.
  return startChild(process.execPath, ['--import', 'tsx', 'apps/all-in-one/src/main.ts'], { cwd: ROOT, env });
}

describe('first call slice, all-in-one (embedded PostgreSQL, in-process bus)', () => {
  let dataDir: string;
  let current: ChildService | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-aio-'));
  });
  afterAll(async () => {
    await current?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Two cold starts of an embedded PostgreSQL: generous on a loaded 2-core machine.
  jest.setTimeout(240_000);

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

    expect(await first.stop('SIGTERM')).toBe(0);

    current = startAllInOne(port, dataDir);
    const second = current;
    await pollUntil(() => /Issue an API key/.test(second.output()) || second.child.exitCode !== null, { timeoutMs: 90_000, intervalMs: 100, description: 'the restart' });
    expect(second.output()).not.toMatch(/API key:\s+cp_live_/);
    expect(second.output()).not.toContain(adminToken!);
    expect(second.output()).toContain(`operator token:  in ${dataDir}/secrets.json`);
    const again = await http('GET', `${base}/voice/sessions/${sessionId}`, { token: apiKeyA });
    expect(again.status).toBe(200);
    expect(again.json.id).toBe(sessionId);
    expect(await second.stop('SIGTERM')).toBe(0);
  });
});

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '@callplane/testing';

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

/** Runs a script to its end, as a person runs it from the repo, with only these settings; stdout and stderr apart. */
function runToEnd(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(TSX, args, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

describe('where the all-in-one listens', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-listen-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  jest.setTimeout(120_000);

  it('a port in use: exit 1 with one line naming the port and PORT, before the database is opened', async () => {
    const port = await freePort();
    const squatter: Server = createServer();
    await new Promise<void>((resolve) => squatter.listen(port, '0.0.0.0', resolve));
    try {
      const run = await runToEnd(['apps/all-in-one/src/main.ts'], { PORT: String(port), CALLPLANE_DATA_DIR: dataDir });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`Port ${port} is already in use (on 0.0.0.0): stop what listens there, or set PORT to a free port.\n`);
      expect(run.stdout).toBe('');
      // It stopped before the slow part of a start: the embedded database was never created, nothing was recorded.
      expect(readdirSync(dataDir).sort()).toEqual(['secrets.json']);
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  });

  it('npm run demo and npm run call:sandbox go where the data folder says, and name it when nothing answers', async () => {
    const gone = `http://localhost:${await freePort()}`;
    const record = path.join(dataDir, 'listen.json');
    writeFileSync(record, JSON.stringify({ url: gone, port: 0, pid: 1 }));
    writeFileSync(path.join(dataDir, 'secrets.json'), JSON.stringify({ admin_token: 'cp_admin_not_used_here_0000' }));
    const where = `where the all-in-one said it listens, in ${record}`;

    const demo = await runToEnd(['scripts/demo.ts'], { CALLPLANE_DATA_DIR: dataDir });
    expect(demo.code).not.toBe(0);
    expect(demo.stdout + demo.stderr).toContain(`Callplane is not reachable at ${gone} (ECONNREFUSED; ${where}`);

    const call = await runToEnd(['scripts/call-sandbox.ts', '--to', '+15550100001'], { CALLPLANE_DATA_DIR: dataDir });
    expect(call.code).toBe(1);
    expect(call.stderr).toContain(`Callplane is not reachable at ${gone} (ECONNREFUSED; ${where}`);

    // CALLPLANE_URL still wins over the record.
    const elsewhere = `http://127.0.0.1:${await freePort()}`;
    const overridden = await runToEnd(['scripts/call-sandbox.ts', '--to', '+15550100001'], { CALLPLANE_DATA_DIR: dataDir, CALLPLANE_URL: elsewhere });
    expect(overridden.stderr).toContain(`Callplane is not reachable at ${elsewhere} (ECONNREFUSED; from CALLPLANE_URL)`);
    expect(existsSync(record)).toBe(true);
  });
});

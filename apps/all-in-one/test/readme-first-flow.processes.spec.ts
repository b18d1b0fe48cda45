import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';

const ROOT = path.resolve(__dirname, '../../..');

/** The README's first flow: the first ```sh block after its "Try the first call flow" heading, as a reader copies it. */
function firstFlow(readme: string): string {
  const section = readme.slice(readme.indexOf('### Try the first call flow'));
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  if (!block) throw new Error('the README has no ```sh block under "Try the first call flow"');
  return block;
}

/** Runs a shell script in the repo as a reader's terminal does, with only these settings; stdout and stderr apart. */
function bash(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-c', script], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/**
 * `npm start` on a port other than the default, then the README's first flow pasted as written: it has to find the
 * all-in-one by itself (its listen record), make a user with the CLI, an agent, a sandbox call, and read the session.
 */
describe("the README's first flow against the all-in-one", () => {
  let dataDir: string;
  let aio: ChildService | undefined;
  let base: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-readme-'));
    const port = await freePort();
    base = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    for (const k of ['DATABASE_URL', 'KAFKA_BROKERS', 'LIVEKIT_URL', 'ADMIN_TOKEN', 'CALLPLANE_URL', 'CALLPLANE_API_KEY']) delete env[k];
    // node with tsx as its loader, not tsx's CLI, whose signal relay SIGKILLs a service busy for ~60 ms: the drain is under test.
    aio = startChild(process.execPath, ['--import', 'tsx', 'apps/all-in-one/src/main.ts'], { cwd: ROOT, env });
    const server = aio;
    await pollUntil(() => /curl -s -X POST/.test(server.output()) || server.child.exitCode !== null, { timeoutMs: 120_000, intervalMs: 100, description: 'the all-in-one to start' });
    if (server.child.exitCode !== null) throw new Error(`the all-in-one exited:\n${server.output()}`);
  });
  afterAll(async () => {
    await aio?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // A cold start of the embedded PostgreSQL, several CLI runs and a sandbox call spoken in real time.
  jest.setTimeout(300_000);

  it('records where it listens, for the local tools', () => {
    expect(JSON.parse(readFileSync(path.join(dataDir, 'listen.json'), 'utf8'))).toEqual({ url: base, port: Number(new URL(base).port), pid: expect.any(Number) });
  });

  it('serves its API reference page, pointed at its merged document', async () => {
    const page = await fetch(`${base}/docs`);
    expect({ status: page.status, type: page.headers.get('content-type') }).toEqual({ status: 200, type: 'text/html; charset=utf-8' });
    expect(await (await fetch(`${base}/docs/init.js`)).text()).toContain('url: "/openapi.json"');
    const bundle = await fetch(`${base}/docs/assets/swagger-ui-bundle.js`);
    expect({ status: bundle.status, type: bundle.headers.get('content-type') }).toEqual({ status: 200, type: 'text/javascript; charset=utf-8' });
  });

  it('runs as written: a tenant and user by the CLI, an agent, a sandbox call, a studio test call, a scheduled call, and the finished session', async () => {
    const flow = firstFlow(readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    // What the reader would have in their shell afterwards, printed for the assertions below.
    const script = `set -euo pipefail\n${flow}\necho; echo "vars: $TENANT $AGENT $FROM $SESSION $TEST $SCHEDULED"\n`;
    const run = await bash(script, { CALLPLANE_DATA_DIR: dataDir });
    if (run.code !== 0) throw new Error(`the flow exited ${run.code}:\n${run.stdout}\n${run.stderr}\n--- all-in-one:\n${aio!.output().slice(-4000)}`);

    const [tenantId, agentId, fromNumber, sessionId, testId, scheduledId] = /vars: (\S+) (\S+) (\S+) (\S+) (\S+) (\S+)/.exec(run.stdout)!.slice(1);
    expect({ tenantId, agentId, fromNumber, sessionId, testId, scheduledId }).toEqual({
      tenantId: expect.stringMatching(/^ten_/),
      agentId: expect.stringMatching(/^agt_/),
      fromNumber: expect.stringMatching(/^\+1555012\d{4}$/), // the new tenant's own sandbox number
      sessionId: expect.stringMatching(/^cs_/),
      testId: expect.stringMatching(/^cs_/),
      scheduledId: expect.stringMatching(/^cs_/),
    });
    // Printed, in order: the test call's status, the scheduled calls, the first call's session.
    const [status, scheduled, printed] = run.stdout.slice(0, run.stdout.lastIndexOf('vars:')).trim().split('\n').map((l) => JSON.parse(l));
    expect(status).toMatchObject({ state: expect.stringMatching(/^(initiating|ringing|live)$/), max_seconds: 120, error: null });
    expect((scheduled as { data: Array<{ session_id: string }> }).data.map((c) => c.session_id)).toContain(scheduledId);
    const session = printed as { id: string; agent_id: string; from_number: string; to_number: string; status: string; transcript: Array<{ role: string; text: string }>; usage: Record<string, number> };
    expect(session).toMatchObject({ id: sessionId, agent_id: agentId, from_number: fromNumber, to_number: '+15550100001', status: 'completed' });
    const said = session.transcript.map((t) => `${t.role}: ${t.text}`);
    expect(said[0]).toBe('agent: Hi, thanks for calling Acme. How can I help?');
    expect(said).toContain('agent: Acme costs ten dollars a month.');
    expect(session.usage.telephony_minutes).toBeGreaterThan(0);
    // Nothing on stderr but what the call's wait prints: no npm warnings, no CLI errors.
    expect(run.stderr).toBe('');
  });

  it('is gone from the data folder once the all-in-one stops', async () => {
    // Once no call is up (the flow's test call, ended at once, may still be winding down): what is under test here is
    // the listen record on a clean stop; draining live calls is group-signal.spec's.
    await pollUntil(
      async () => {
        const metrics = await (await fetch(`${base}/metrics`)).text();
        return !/^calls_in_progress\{[^}]*\} [1-9]/m.test(metrics);
      },
      { timeoutMs: 120_000, intervalMs: 500, description: 'no call in progress' },
    );
    const code = await aio!.stop('SIGTERM');
    // The output's tail only when the stop failed, so a failure says why.
    expect({ code, output: code === 0 ? '' : aio!.output().slice(-3000) }).toEqual({ code: 0, output: '' });
    expect(existsSync(path.join(dataDir, 'listen.json'))).toBe(false);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';

const ROOT = path.resolve(__dirname, '../../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

function childEnv(extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'warn', ...extra };
  for (const k of ['DATABASE_URL', 'KAFKA_BROKERS', 'LIVEKIT_URL', 'ADMIN_TOKEN', 'CALLPLANE_API_KEY', 'CALLPLANE_TENANT_ID', 'WEBHOOK_ALLOW_PRIVATE_TARGETS']) delete env[k];
  return env;
}

/** `npm run demo` as a user runs it: a child process against `npm start`'s process, talking to it only over HTTP. */
function runDemo(url: string, dataDir: string): ChildService {
  return startChild(TSX, ['scripts/demo.ts'], { cwd: ROOT, env: childEnv({ CALLPLANE_URL: url, CALLPLANE_DATA_DIR: dataDir, DEMO_TIMEOUT_SECONDS: '90' }) });
}

describe('npm run demo against the all-in-one', () => {
  let dataDir: string;
  let aio: ChildService | undefined;
  let demo: ChildService | undefined;

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-demo-'));
  });
  afterAll(async () => {
    await demo?.stop('SIGKILL');
    await aio?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // A cold start of the embedded PostgreSQL and a sandbox call spoken in real time on a loaded machine.
  jest.setTimeout(240_000);

  it('says the all-in-one is not running, and fails, when nothing listens at CALLPLANE_URL', async () => {
    const port = await freePort();
    demo = runDemo(`http://localhost:${port}`, dataDir);
    expect(await demo.exited).not.toBe(0);
    expect(demo.output()).toContain(`Callplane is not reachable at http://localhost:${port}`);
    expect(demo.output()).toContain('npm start');
  });

  it('places a sandbox call through the dial API and prints webhooks, the transcript, the hang-up and the session with usage', async () => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    aio = startChild(TSX, ['apps/all-in-one/src/main.ts'], { cwd: ROOT, env: childEnv({ PORT: String(port), CALLPLANE_DATA_DIR: dataDir }) });
    const server = aio;
    await pollUntil(() => /curl -s -X POST/.test(server.output()) || server.child.exitCode !== null, { timeoutMs: 90_000, intervalMs: 100, description: 'the all-in-one to start' });
    // The default tenant's sandbox number: the first caller id, given on its first start.
    expect(server.output()).toContain('sandbox calls:   from +15550120001 to +15550100001');

    demo = runDemo(base, dataDir);
    const code = await demo.exited;
    const out = demo.output();
    if (code !== 0) throw new Error(`demo exited ${code}:\n${out}\n--- all-in-one:\n${server.output().slice(-4000)}`);

    const lines = out.split('\n');
    const at = (re: RegExp) => {
      const i = lines.findIndex((l) => re.test(l));
      expect({ re: String(re), found: i >= 0 }).toEqual({ re: String(re), found: true });
      return i;
    };
    // Every status webhook arrived with a valid signature, in order.
    const hooks = lines.filter((l) => /webhook:\s+call\./.test(l)).map((l) => /call\.(\w+)/.exec(l)![1]);
    expect(hooks).toEqual(['initiating', 'ringing', 'in_progress', 'completed']);
    expect(lines.filter((l) => /webhook:/.test(l)).every((l) => l.includes('signature verified'))).toBe(true);
    // The transcript as it happened: the greeting with {{customer_name}} filled, the caller bot, the scripted reply.
    const greeting = at(/agent:\s+"Hi Asha, this is Ava from Acme\./);
    const callerLine = at(/caller:\s+"Hi, how much does it cost\?"/);
    const reply = at(/agent:\s+"It is ten dollars a month, Asha\."/);
    const hangUp = at(/hang-up:\s+completed \(agent_hangup\)/);
    const session = at(/session:\s+GET \/voice\/sessions\/cs_/);
    expect(greeting).toBeLessThan(callerLine);
    expect(callerLine).toBeLessThan(reply);
    expect(reply).toBeLessThan(hangUp);
    expect(hangUp).toBeLessThan(session);
    // The session as the API returns it, usage included.
    const json = out.slice(out.indexOf('{', out.indexOf('session:')), out.lastIndexOf('}') + 1);
    const body = JSON.parse(json) as { status: string; transcript: unknown[]; usage: Record<string, number> };
    expect(body.status).toBe('completed');
    expect(body.transcript.length).toBeGreaterThanOrEqual(3);
    expect(body.usage.llm_completion_tokens).toBeGreaterThan(0);
    expect(body.usage.tts_characters).toBeGreaterThan(0);
    expect(body.usage.stt_seconds).toBeGreaterThan(0);
    expect(out).toContain('Demo call completed.');
  });
});

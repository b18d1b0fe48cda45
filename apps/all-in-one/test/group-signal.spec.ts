import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SANDBOX_NUMBERS } from '@callplane/contracts';
import { freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';
import { http } from './slice-scenario';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * `npm start` as a person runs it in a terminal: Ctrl-C (SIGINT) and `kill -TERM -<group>` reach every process of
 * the group (npm, the shell, node), and npm passes the signal on too, so the service hears it more than once while it
 * drains a live call. That is one shutdown: it drains once, and ends cleanly. (`npm start` runs node with tsx as a
 * loader, not tsx's CLI: that one relays a signal and SIGKILLs a child that does not acknowledge it within ~60 ms.)
 */
describe('npm start stopped through its process group with a call in progress', () => {
  let dataDir: string;
  let current: ChildService | undefined;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-group-'));
  });
  afterEach(async () => {
    await current?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // npm's prisma generate, a cold start of the embedded PostgreSQL and a sandbox call: generous on a loaded machine.
  jest.setTimeout(240_000);

  it.each(['SIGTERM', 'SIGINT'] as const)('%s to the whole group drains once and the service stops cleanly', async (signal) => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: dataDir, LOG_LEVEL: 'info' };
    delete env.DATABASE_URL;
    delete env.KAFKA_BROKERS;
    current = startChild('npm', ['start', '--silent'], { cwd: ROOT, env });
    const app = current;
    // Every process of the group has let go of the output once it is closed: the service's last line is in.
    const closed = new Promise<void>((resolve) => app.child.once('close', () => resolve()));
    await pollUntil(() => /curl -s -X POST/.test(app.output()) || app.child.exitCode !== null, { timeoutMs: 150_000, intervalMs: 100, description: 'npm start to be up' });
    const token = /API key:\s+(cp_live_\S+)/.exec(app.output())?.[1];
    expect(token).toBeDefined();

    // A sandbox call in progress: draining it takes the voice agent a moment, during which the relayed signals arrive.
    const agent = await http('POST', `${base}/voice/agents`, {
      token,
      json: { name: 'Drain', system_prompt: 'You are brief.', voice: { greeting: 'Hello, this is a long greeting that takes a while to say.', tts: { provider: 'local', model: 'espeak', voice: 'en' }, stt: { provider: 'local', model: 'pocketsphinx', language: 'en' }, max_duration: 120 } },
    });
    expect(agent.status).toBe(201);
    // The default tenant's sandbox number, as a user finds it.
    const numbers = await http('GET', `${base}/voice/phone-numbers`, { token });
    const from = (numbers.json.data as Array<{ number: string }>)[0]!.number;
    const dial = await http('POST', `${base}/voice/outbound/dial`, { token, json: { agent_id: agent.json.id, to_number: SANDBOX_NUMBERS.answers, from_number: from } });
    expect(dial.status).toBe(202);
    await pollUntil(async () => (await http('GET', `${base}/voice/sessions/${dial.json.session_id}`, { token })).json.status === 'in_progress', { timeoutMs: 60_000, description: 'the call to be answered' });

    process.kill(-app.child.pid!, signal);
    await closed;
    const out = app.output();
    if (!out.includes('"msg":"shutting down"')) throw new Error(`the service logged no drain; its output ends:\n${out.slice(-3000)}`);
    expect(out).not.toContain('second signal: exiting now');
    expect(out.match(/"msg":"shutting down"/g)).toHaveLength(1);
    expect(out).toContain('"msg":"stopped cleanly"');
  });
});

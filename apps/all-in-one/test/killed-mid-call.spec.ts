import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sandboxLoadNumber } from '@callplane/contracts';
import { freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';
/* eslint-disable @nx/enforce-module-boundaries -- the customer's webhook endpoint and its signature check, as the dialer's specs use them */
import { signatureMatches, WebhookReceiver } from '../../dialer/src/status-webhooks.test-harness';
/* eslint-enable @nx/enforce-module-boundaries */
import { http } from './slice-scenario';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * The platform stopped mid-call, for real: the all-in-one (embedded database, in-process bus, sandbox carrier) runs an
 * answered sandbox call, is killed with SIGKILL (nothing drains, nothing reports), and starts again on the same data.
 * The call must not stay `in_progress`: it ends `lost`, and the customer's webhook endpoint (a local server) gets the
 * signed status webhook saying so. Started again as the same replica, the voice agent ends the call at start
 * (reconcile); started as another one (a replaced pod), the reaper ends it once past the agent's max_duration and the
 * grace period.
 */
describe('the all-in-one killed mid-call', () => {
  let dataDir: string;
  let current: ChildService | undefined;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-killed-'));
  });
  afterEach(async () => {
    await current?.stop('SIGKILL');
    current = undefined;
    rmSync(dataDir, { recursive: true, force: true });
  });

  // Two cold starts of the embedded PostgreSQL and a call: generous on a loaded machine.
  jest.setTimeout(300_000);

  async function start(env: NodeJS.ProcessEnv): Promise<ChildService> {
    const app = startChild(path.join(ROOT, 'node_modules/.bin/tsx'), ['apps/all-in-one/src/main.ts'], { cwd: ROOT, env });
    current = app;
    // The welcome text is printed once the port is open, on every start (the API key only on the first).
    await pollUntil(() => app.output().includes('Callplane all-in-one is running on') || app.child.exitCode !== null, { timeoutMs: 150_000, intervalMs: 100, description: 'the all-in-one to be up' }).catch((err: unknown) => {
      throw new Error(`${err instanceof Error ? err.message : String(err)}; its output ends:\n${app.output().slice(-3000)}`);
    });
    if (app.child.exitCode !== null) throw new Error(`the all-in-one exited at start:\n${app.output().slice(-3000)}`);
    return app;
  }

  it.each([
    { restartedAs: 'the same replica', replicaAfter: 'aio-a', maxDuration: 600, source: 'reconcile' },
    { restartedAs: 'another replica', replicaAfter: 'aio-b', maxDuration: 15, source: 'reaper' },
  ])('restarted as $restartedAs, the answered call ends lost ($source) and the customer gets the signed webhook', async ({ replicaAfter, maxDuration, source }) => {
    const port = await freePort();
    const base = `http://localhost:${port}`;
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: dataDir, LOG_LEVEL: 'info', REPLICA_ID: 'aio-a', CALL_REAPER_GRACE_SECONDS: '1' };
    delete env.DATABASE_URL;
    delete env.KAFKA_BROKERS;
    const first = await start(env);
    const token = /API key:\s+(cp_live_\S+)/.exec(first.output())?.[1];
    expect(token).toBeDefined();

    const agent = await http('POST', `${base}/voice/agents`, {
      token,
      json: { name: 'Killed', system_prompt: 'You are brief.', voice: { greeting: 'Hello.', tts: { provider: 'local', model: 'espeak', voice: 'en' }, stt: { provider: 'local', model: 'pocketsphinx', language: 'en' }, max_duration: maxDuration } },
    });
    expect(agent.status).toBe(201);
    // The tenant's sandbox number to call from, as its users find it.
    const numbers = await http('GET', `${base}/voice/phone-numbers`, { token });
    const from = (numbers.json.data as Array<{ number: string; outbound: { enabled: boolean } }>).find((n) => n.outbound.enabled)?.number;
    expect(from).toBeDefined();
    // The load range: answered after a second, then silent for 99 s, longer than the test needs it up.
    const dial = await http('POST', `${base}/voice/outbound/dial`, { token, json: { agent_id: agent.json.id, to_number: sandboxLoadNumber(99), from_number: from, webhook_url: `${receiver.url}/calls` } });
    expect(dial.status).toBe(202);
    const sessionId = String(dial.json.session_id);
    const events = () => receiver.received.filter((w) => w.json.session_id === sessionId);
    await pollUntil(() => events().some((w) => w.json.event === 'in_progress'), { timeoutMs: 60_000, description: 'the call answered' });

    await first.stop('SIGKILL');
    expect(events().map((w) => w.json.event)).not.toContain('completed');

    const second = await start({ ...env, REPLICA_ID: replicaAfter });
    const lost = await pollUntil(() => events().find((w) => w.json.event === 'completed') ?? null, { timeoutMs: 60_000, description: 'the lost call webhook' });
    expect(lost.json.call).toMatchObject({ session_id: sessionId, state: 'completed', end_reason: 'lost' });
    const secret = await http('GET', `${base}/voice/settings/webhooks`, { token });
    expect(signatureMatches(String(lost.headers['callplane-signature']), lost.body, String(secret.json.secret))).toBe(true);

    const session = await pollUntil(async () => {
      const s = await http('GET', `${base}/voice/sessions/${sessionId}`, { token });
      return s.json.status === 'completed' ? s.json : null;
    }, { description: 'the session shown ended' });
    expect(session).toMatchObject({ status: 'completed', end_reason: 'lost' });
    const metrics = await http('GET', `${base}/metrics`);
    expect(metrics.text).toMatch(new RegExp(`calls_reaped_total\\{stage="answered",source="${source}"[^}]*\\} 1`));
    expect(second.output()).toContain(source === 'reconcile' ? 'ended as lost' : 'outlived its maximum');
  });
});

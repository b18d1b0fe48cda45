/**
 * `npm run demo`: one sandbox outbound call, end to end through the public API, printed as it happens.
 *
 *   1. a user (operator API, token from ADMIN_TOKEN or the all-in-one's .data/secrets.json) and an agent on the
 *      local voice stack whose prompt follows the local LLM's scripted intents (`INTENT … => …`);
 *   2. a local HTTP receiver for the call's status webhooks, checking `Callplane-Signature` with the tenant's secret;
 *   3. `POST /voice/outbound/dial` to the sandbox number that answers and talks (+15550100001);
 *   4. the webhooks and transcript turns as they arrive, the hang-up, then `GET /voice/sessions/{id}` with usage.
 *
 * Environment: CALLPLANE_URL (default: where the all-in-one of CALLPLANE_DATA_DIR listens, else http://localhost:3000); CALLPLANE_API_KEY to use an existing user instead;
 * ADMIN_TOKEN and CALLPLANE_DATA_DIR (default .data) as for `npm run cli`; CALLPLANE_TENANT_ID for a deployment
 * other than the all-in-one (whose tenant with the sandbox from-number is in .data/sandbox.json);
 * DEMO_WEBHOOK_HOST (default 127.0.0.1: where Callplane reaches the receiver); DEMO_TIMEOUT_SECONDS (default 120).
 * Exit code 0 when the call completed.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { allInOneDataDir, callplaneTarget, describeTarget, localAdminToken } from '@callplane/config';

const ANSWERING_NUMBER = '+15550100001'; // libs/contracts sandbox.ts: answers; a caller bot talks, then hangs up
const TERMINAL = new Set(['completed', 'failed', 'no_answer', 'busy', 'canceled']);
const AGENT_NAME = 'Callplane demo';
const PROMPT = [
  'You are Ava from Acme, calling {{customer_name}} about their Acme plan. Be brief and friendly.',
  'INTENT cost | price | how much => It is ten dollars a month, {{customer_name}}.',
  "INTENT goodbye | bye | that's all => Thanks {{customer_name}}, goodbye! [end_call]",
  'FALLBACK => Sorry, could you say that again?',
].join('\n');
const VOICE = {
  greeting: 'Hi {{customer_name}}, this is Ava from Acme. Do you have a minute?',
  // The local stack: espeak-ng speech, pocketsphinx recognition (the scripted recogniser when it is not installed).
  tts: { provider: 'local', model: 'espeak', voice: 'default' },
  stt: { provider: 'local', model: 'pocketsphinx', language: 'en' },
  max_duration: 120,
  recording: false,
  transcription: true,
};

class DemoError extends Error {}

const env = process.env;
const target = callplaneTarget(env);
const base = target.url;
const dataDir = allInOneDataDir(env);
const timeoutMs = Number(env.DEMO_TIMEOUT_SECONDS ?? 120) * 1000;
const started = Date.now();

const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (line: string) => process.stdout.write(`[${elapsed()}] ${line}\n`);

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

async function api(method: string, p: string, opts: { token?: string; json?: unknown } = {}): Promise<Reply> {
  let res: Response;
  try {
    res = await fetch(`${base}${p}`, {
      method,
      headers: { ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}), ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: opts.json === undefined ? undefined : JSON.stringify(opts.json),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new DemoError(`Callplane is not reachable at ${base} (${cause?.code ?? cause?.message ?? String(err)}; ${describeTarget(target)}). Start it with \`npm start\` in another terminal, or set CALLPLANE_URL.`);
  }
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = { raw: text };
  }
  return { status: res.status, body };
}

function expectStatus(what: string, res: Reply, ...ok: number[]): Record<string, unknown> {
  if (!ok.includes(res.status)) throw new DemoError(`${what} failed: HTTP ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

function readJson<T>(file: string): T | null {
  if (!existsSync(file)) return null;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    return null;
  }
}

/** CALLPLANE_API_KEY; else the demo user kept from an earlier run; else a new user in the sandbox tenant. */
async function apiKey(): Promise<string> {
  if (env.CALLPLANE_API_KEY) return env.CALLPLANE_API_KEY;
  const keptFile = path.join(dataDir, 'demo-user.json');
  const kept = readJson<{ api_key: string; email: string }>(keptFile);
  if (kept && (await api('GET', '/voice/agents?limit=1', { token: kept.api_key })).status === 200) {
    say(`user:     ${kept.email} (reused)`);
    return kept.api_key;
  }
  const { token: adminToken, file: secretsFile } = localAdminToken(env);
  if (!adminToken) throw new DemoError(`Set ADMIN_TOKEN or CALLPLANE_API_KEY (no all-in-one secrets found at ${secretsFile}).`);
  const tenantId = env.CALLPLANE_TENANT_ID ?? readJson<{ tenant_id: string }>(path.join(dataDir, 'sandbox.json'))?.tenant_id;
  if (!tenantId) throw new DemoError(`Set CALLPLANE_TENANT_ID (no ${path.join(dataDir, 'sandbox.json')}: the all-in-one writes it on start).`);
  const email = `demo-${randomBytes(4).toString('hex')}@example.com`;
  const user = expectStatus('Creating the demo user (operator API)', await api('POST', `/admin/tenants/${encodeURIComponent(tenantId)}/users`, { token: adminToken, json: { email } }), 201);
  writeFileSync(keptFile, JSON.stringify({ api_key: user.api_key, email }, null, 2), { mode: 0o600 });
  say(`user:     ${email} (created in ${tenantId})`);
  return String(user.api_key);
}

async function agentId(token: string): Promise<string> {
  const list = expectStatus('Listing agents', await api('GET', '/voice/agents?limit=200', { token }), 200);
  const found = (list.data as Array<{ id: string; name: string; system_prompt: string; voice: { greeting: string } }>).find(
    (a) => a.name === AGENT_NAME && a.system_prompt === PROMPT && a.voice.greeting === VOICE.greeting,
  );
  if (found) {
    say(`agent:    ${found.id} (reused)`);
    return found.id;
  }
  const agent = expectStatus('Creating the agent', await api('POST', '/voice/agents', { token, json: { name: AGENT_NAME, system_prompt: PROMPT, voice: VOICE } }), 201);
  say(`agent:    ${String(agent.id)} (created)`);
  return String(agent.id);
}

async function fromNumber(token: string): Promise<string> {
  const list = expectStatus('Listing phone numbers', await api('GET', '/voice/phone-numbers?limit=200', { token }), 200);
  const usable = (list.data as Array<{ number: string; state: string; outbound: { enabled: boolean } }>).find((n) => n.outbound.enabled && n.state === 'active');
  if (!usable) throw new DemoError('The tenant has no number with outbound calling enabled. Without LiveKit every tenant is given a sandbox number to call from (+1 555 012-XXXX) when it is created and on every start: restart `npm start`.');
  return usable.number;
}

/** Checks `Callplane-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` against the secret. */
function signatureValid(header: string | undefined, raw: string, secret: string): boolean {
  if (!header) return false;
  const parts = header.split(',').map((p) => p.trim());
  const t = parts.find((p) => p.startsWith('t='))?.slice(2);
  if (!t) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${raw}`, 'utf8').digest('hex'));
  return parts.filter((p) => p.startsWith('v1=')).some((p) => {
    const got = Buffer.from(p.slice(3));
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

interface Receiver {
  server: Server;
  url: string;
  events: string[];
  rejected: number;
}

async function startReceiver(secret: string): Promise<Receiver> {
  const host = env.DEMO_WEBHOOK_HOST ?? '127.0.0.1';
  const receiver: Receiver = { server: createServer(), url: '', events: [], rejected: 0 };
  const seen = new Set<string>();
  receiver.server.on('request', (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const header = req.headers['callplane-signature'];
      if (!signatureValid(Array.isArray(header) ? header[0] : header, raw, secret)) {
        receiver.rejected++;
        say('webhook:  REJECTED (Callplane-Signature does not match the secret)');
        res.writeHead(401).end();
        return;
      }
      res.writeHead(204).end();
      const body = JSON.parse(raw) as { id: string; event: string; call?: { sip_status?: number | null; end_reason?: string | null } };
      if (seen.has(body.id)) return; // a retry of an event already printed
      seen.add(body.id);
      receiver.events.push(body.event);
      const extra = [body.call?.end_reason ? `end_reason=${body.call.end_reason}` : '', body.call?.sip_status ? `sip=${body.call.sip_status}` : ''].filter(Boolean).join(' ');
      say(`webhook:  call.${body.event}  (signature verified${extra ? `; ${extra}` : ''})`);
    });
  });
  await new Promise<void>((resolve, reject) => {
    receiver.server.once('error', reject);
    receiver.server.listen(0, host, () => resolve());
  });
  const { port } = receiver.server.address() as AddressInfo;
  receiver.url = `http://${host}:${port}/callplane-webhooks`;
  return receiver;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, probe: () => Promise<T | null>, limitMs: number): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    const v = await probe();
    if (v !== null) return v;
    if (Date.now() > deadline) throw new DemoError(`Timed out waiting for ${what}.`);
    await pause(250);
  }
}

type Session = {
  status: string;
  end_reason: string | null;
  transcript: Array<{ role: string; text: string }>;
  usage: { llm_prompt_tokens: number; llm_completion_tokens: number; tts_characters: number; stt_seconds: number; telephony_minutes: number };
};

async function main(): Promise<number> {
  say(`Callplane demo against ${base}`);
  expectStatus('Health check', await api('GET', '/healthz'), 200);
  const token = await apiKey();
  const agent = await agentId(token);
  const from = await fromNumber(token);
  const secret = String(expectStatus('Reading the webhook secret', await api('GET', '/voice/settings/webhooks', { token }), 200).secret);
  const receiver = await startReceiver(secret);
  say(`webhooks: receiving on ${receiver.url}`);
  try {
    const dial = expectStatus(
      'Dialing',
      await api('POST', '/voice/outbound/dial', { token, json: { agent_id: agent, to_number: ANSWERING_NUMBER, from_number: from, context: { customer_name: 'Asha' }, webhook_url: receiver.url } }),
      202,
    );
    const id = String(dial.session_id);
    say(`dial:     ${from} -> ${ANSWERING_NUMBER}  session ${id}`);

    let printed = 0;
    const get = async () => expectStatus('Reading the session', await api('GET', `/voice/sessions/${id}`, { token }), 200) as unknown as Session;
    const printTurns = (s: Session) => {
      for (; printed < s.transcript.length; printed++) {
        const turn = s.transcript[printed]!;
        say(`${turn.role === 'agent' ? 'agent: ' : 'caller:'}   "${turn.text}"`);
      }
    };
    const ended = await until(
      'the call to end',
      async () => {
        const s = await get();
        printTurns(s);
        return TERMINAL.has(s.status) ? s : null;
      },
      timeoutMs,
    );
    say(`hang-up:  ${ended.status}${ended.end_reason ? ` (${ended.end_reason})` : ''}`);

    // The final webhook and the usage report travel on their own; wait for both before the summary.
    const lateMs = 20_000;
    await until(`the call.${ended.status} webhook`, async () => (receiver.events.includes(ended.status) ? true : null), lateMs);
    const final = await until(
      'the usage report',
      async () => {
        const s = await get();
        printTurns(s);
        return s.status !== 'completed' || s.usage.tts_characters > 0 ? s : null;
      },
      lateMs,
    );
    say(`session:  GET /voice/sessions/${id}`);
    process.stdout.write(`${JSON.stringify(final, null, 2)}\n`);
    if (receiver.rejected > 0) throw new DemoError(`${receiver.rejected} webhook(s) failed the signature check.`);
    if (final.status !== 'completed') throw new DemoError(`The call ended ${final.status}${final.end_reason ? ` (${final.end_reason})` : ''}, not completed.`);
    say(`usage:    LLM ${final.usage.llm_prompt_tokens}+${final.usage.llm_completion_tokens} tokens, TTS ${final.usage.tts_characters} characters, STT ${final.usage.stt_seconds} s`);
    say('Demo call completed.');
    return 0;
  } finally {
    receiver.server.close();
    receiver.server.closeAllConnections();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof DemoError ? err.message : err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);

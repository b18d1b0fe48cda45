/**
 * `npm run call:sandbox -- --to <number> [--from <number>]`: with the all-in-one running and no LiveKit configured,
 * a caller bot dials one of the tenant's numbers (assigned to an agent). The session opens as an inbound call would
 * (or ends after_hours when the agent is closed), the agent answers, and the transcript and session are printed.
 *
 * Environment: CALLPLANE_URL (default: where the all-in-one of CALLPLANE_DATA_DIR listens, else http://localhost:3000);
 * ADMIN_TOKEN and CALLPLANE_DATA_DIR (default .data; the all-in-one's operator token is in .data/secrets.json);
 * CALL_TIMEOUT_SECONDS (default 120). Exit code 0 when the call ended.
 */
import { randomBytes } from 'node:crypto';
import { callplaneTarget, describeTarget, localAdminToken } from '@callplane/config';

const env = process.env;
const target = callplaneTarget(env);
const base = target.url;
const timeoutMs = Number(env.CALL_TIMEOUT_SECONDS ?? 120) * 1000;
const started = Date.now();
const say = (line: string) => process.stdout.write(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s] ${line}\n`);

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function api(method: string, p: string, token: string, json?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  let res: Response;
  try {
    res = await fetch(`${base}${p}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`Callplane is not reachable at ${base} (${cause?.code ?? cause?.message ?? String(err)}; ${describeTarget(target)}). Start it with \`npm start\` in another terminal, or set CALLPLANE_URL.`);
  }
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function main(): Promise<number> {
  const to = flag('to');
  if (!to) throw new Error('usage: npm run call:sandbox -- --to <number> [--from <number>]');
  const { token: adminToken, file: secrets } = localAdminToken(env);
  if (!adminToken) throw new Error(`Set ADMIN_TOKEN (no all-in-one secrets found at ${secrets}).`);

  const placed = await api('POST', '/admin/sandbox/inbound-call', adminToken, { to_number: to, ...(flag('from') ? { from_number: flag('from') } : {}) });
  if (placed.status !== 202) throw new Error(`The sandbox inbound call was refused: HTTP ${placed.status} ${JSON.stringify(placed.body)}`);
  const sessionId = String(placed.body.session_id);
  say(`calling ${to}: session ${sessionId} (${String(placed.body.status)}${placed.body.end_reason ? `, ${String(placed.body.end_reason)}` : ''})`);

  // Read the session as the tenant does: a user for the number's tenant, through the operator API.
  const user = await api('POST', `/admin/tenants/${encodeURIComponent(String(placed.body.tenant_id))}/users`, adminToken, { email: `call-sandbox-${randomBytes(4).toString('hex')}@example.com` });
  if (user.status !== 201) throw new Error(`Creating a user to read the session failed: HTTP ${user.status} ${JSON.stringify(user.body)}`);
  const apiKey = String(user.body.api_key);

  let printed = 0;
  while (Date.now() - started < timeoutMs) {
    const s = await api('GET', `/voice/sessions/${encodeURIComponent(sessionId)}`, apiKey);
    if (s.status === 200) {
      const transcript = (s.body.transcript as Array<{ role: string; text: string }> | undefined) ?? [];
      for (; printed < transcript.length; printed++) say(`${transcript[printed]!.role.padEnd(6)}: ${transcript[printed]!.text}`);
      if (s.body.ended_at) {
        say(`call ended: ${String(s.body.status)} (${String(s.body.end_reason)})`);
        process.stdout.write(`${JSON.stringify(s.body, null, 2)}\n`);
        return 0;
      }
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  say('timed out waiting for the call to end');
  return 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);

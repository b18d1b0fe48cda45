import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DO_NOT_CALL_MESSAGE, SANDBOX_NUMBERS, sandboxLoadNumber } from '@callplane/contracts';
import { agentRequestBody, freePort, httpRequest, pollUntil, startChild, type ChildService } from '@callplane/testing';
import { parse } from 'csv-parse/sync';

const ROOT = path.resolve(__dirname, '../../..');

/**
 * `n` distinct numbers of the sandbox's load range (up to 9,900): `npm start` has no LiveKit, so a campaign of real
 * numbers would be refused at launch, and a dial to one at once.
 */
const numbers = (n: number) => Array.from({ length: n }, (_, i) => sandboxLoadNumber(1 + (i % 99), Math.floor(i / 99)));

/**
 * The campaigns and do-not-call API on `npm start`'s process: the embedded database (PGlite, no pg pool) must run
 * the same statements as the server (advisory lock, unnested batch inserts, GROUP BY counts, conditional updates).
 */
describe('campaigns API, all-in-one (embedded PostgreSQL)', () => {
  let dataDir: string;
  let aio: ChildService | undefined;
  jest.setTimeout(240_000);

  beforeAll(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-aio-campaigns-'));
  });
  afterAll(async () => {
    await aio?.stop('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('creates a campaign, imports a CSV with its rejections, counts, lists, exports, launches and cancels it; the do-not-call list holds', async () => {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), CALLPLANE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' };
    delete env.DATABASE_URL;
    delete env.KAFKA_BROKERS;
    const child = startChild(path.join(ROOT, 'node_modules/.bin/tsx'), ['apps/all-in-one/src/main.ts'], { cwd: ROOT, env });
    aio = child;
    await pollUntil(() => /API key:\s+cp_live_\S+/.test(child.output()) || child.child.exitCode !== null, { timeoutMs: 120_000, intervalMs: 100, description: 'the all-in-one to start' });
    const token = /API key:\s+(cp_live_\S+)/.exec(child.output())![1]!;
    const base = `http://localhost:${port}`;
    const call = (method: string, p: string, opts: Parameters<typeof httpRequest>[2] = {}) => httpRequest(method, `${base}${p}`, { token, ...opts });

    const agent = await call('POST', '/voice/agents', { json: { ...agentRequestBody('Campaign agent'), after_hours: null } });
    expect(agent.status).toBe(201);
    const phones = (await call('GET', '/voice/phone-numbers?limit=200')).body.data as Array<{ number: string; outbound: { enabled: boolean } }>;
    const from = phones.find((p) => p.outbound.enabled)!.number;

    const created = await call('POST', '/voice/campaigns', {
      json: {
        name: 'Embedded',
        agent_id: agent.body.id,
        from_numbers: [from],
        timezone: 'UTC',
        windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '23:59' }],
        // Launched, it waits for its start: nothing is dialed while this test looks at it.
        start_at: new Date(Date.now() + 24 * 3600_000).toISOString(),
        concurrency: 2,
        retry: { max_attempts: 1, backoff_seconds: 0, on: [] },
      },
    });
    expect(created.status).toBe(201);
    const id = String(created.body.id);

    const list = numbers(6_000);
    expect((await call('POST', '/voice/dnc', { json: { numbers: [list[2]] } })).body).toEqual({ added: 1 });
    const csv = `\uFEFFto_number,customer_name\r\n${list.map((n, i) => `${n},"Name, ${i}"`).join('\r\n')}\r\n${list[0]},again\r\nnope,x\r\n${SANDBOX_NUMBERS.answers},sandbox\r\n`;
    const upload = await call('POST', `/voice/campaigns/${id}/contacts`, { headers: { 'content-type': 'text/csv' }, rawBody: csv });
    expect(upload.status).toBe(200);
    expect(upload.body).toEqual({
      accepted: 6_000,
      rejected: [
        { row: 3, to_number: list[2], error: 'do_not_call' },
        { row: 6_001, to_number: list[0], error: 'duplicate' },
        { row: 6_002, to_number: 'nope', error: 'invalid_number' },
      ],
    });
    const json = await call('POST', `/voice/campaigns/${id}/contacts`, { json: { contacts: [{ to_number: list[1] }, { to_number: SANDBOX_NUMBERS.busy }] } });
    expect(json.body).toEqual({ accepted: 1, rejected: [{ row: 1, to_number: list[1], error: 'duplicate' }] });

    expect((await call('GET', `/voice/campaigns/${id}`)).body.counts).toMatchObject({ total: 6_001, pending: 6_001 });
    const page = await call('GET', `/voice/campaigns/${id}/contacts?limit=2&state=pending`);
    expect((page.body.data as Array<{ to_number: string }>).map((c) => c.to_number)).toEqual([list[0], list[1]]);
    const rows = parse((await call('GET', `/voice/campaigns/${id}/results.csv`)).text) as string[][];
    expect(rows).toHaveLength(6_002);
    expect(rows[1]).toEqual([list[0], 'pending', '0', '', '', '', 'Name, 0']);

    expect((await call('POST', `/voice/campaigns/${id}/launch`)).body.status).toBe('scheduled');
    expect((await call('POST', `/voice/campaigns/${id}/cancel`)).body).toMatchObject({ status: 'canceled', counts: { canceled: 6_001, pending: 0 } });
    expect((await call('POST', `/voice/campaigns/${id}/pause`)).status).toBe(409);

    const refused = await call('POST', '/voice/outbound/dial', { json: { agent_id: agent.body.id, from_number: from, to_number: list[2] } });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatchObject({ code: 'do_not_call', message: DO_NOT_CALL_MESSAGE });
    expect((await call('DELETE', `/voice/dnc/${encodeURIComponent(list[2]!)}`)).status).toBe(204);
  });
});

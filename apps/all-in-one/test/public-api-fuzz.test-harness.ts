import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { newId } from '@callplane/contracts';
import { SecretBox } from '@callplane/service-kit';
import {
  agentRequestBody,
  apiError,
  apiOperations,
  createTenantUser,
  databaseFingerprint,
  FakeExotel,
  FakePlivo,
  FakeTwilio,
  FakeVobiz,
  hostileRequests,
  httpRequest,
  inPool,
  keepAliveClient,
  operationLabel,
  pollUntil,
  uniquePhoneNumber,
  type ApiOperation,
  type FuzzWorld,
  type HostileRequest,
  type RawAnswer,
} from '@callplane/testing';
import fc from 'fast-check';
import { startAllInOne } from '../src/main';

/** Requests per route. */
export const RUNS = 1_000;
/** The run's seed: fixed, so a failure replays; FUZZ_SEED=<n> explores another run. */
const SEED = Number(process.env.FUZZ_SEED ?? 19);
/** FUZZ_ROUTES=<regex> replays only the routes whose `METHOD /path` it matches (a failure names its route). */
const ONLY = process.env.FUZZ_ROUTES ? new RegExp(process.env.FUZZ_ROUTES) : null;
const IN_FLIGHT = 16;

/** Each route's own seed, from its label: adding a route leaves the others' requests as they were. */
const seedOf = (label: string) => [...label].reduce((h, c) => (Math.imul(h, 31) + c.charCodeAt(0)) | 0, SEED);

/** Why an answer breaks the contract, or null. */
function judge(req: HostileRequest, res: RawAnswer): string | null {
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 200)}`;
  if (res.status >= 400) {
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.text) as Record<string, unknown>;
    } catch {
      // judged below: not the error shape
    }
    try {
      apiError({ status: res.status, text: res.text, body, headers: new Headers() });
    } catch {
      return `answered ${res.status} without the error shape: ${res.text.slice(0, 200)}`;
    }
    return null;
  }
  return req.defect ? `answered ${res.status} although it has ${req.defect}` : null;
}

const shown = (req: HostileRequest) =>
  `${req.method} ${req.path.slice(0, 160)} ${JSON.stringify(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, v.slice(0, 80)])))} ${req.body === undefined ? '' : JSON.stringify(String(req.body).slice(0, 240))}`;

/**
 * Issue 19's hostile-input run: the public API as the all-in-one composes every service (on this file's PostgreSQL,
 * with local fakes for the carriers), its routes read from its own /openapi.json, so a new route is covered without
 * being listed. Each route gets RUNS generated hostile requests (libs/testing hostile/): wrong or absent credentials,
 * garbage, unknown or another tenant's ids, bodies of every wrong kind, NUL and lone surrogates, huge and deeply
 * nested values, prototype keys, bad query parameters and Idempotency-Keys. None may be answered 5xx, every 4xx
 * carries the contract's error shape, none that must be refused is accepted, nothing is written (every table, row
 * for row, is the same before and after) and no prototype is polluted.
 *
 * The routes are dealt round-robin into `shards` spec files, which jest runs side by side: shard `shard` takes every
 * `shards`-th route of the document, so together they take every route.
 */
export function describePublicApiFuzz(shard: number, shards: number): void {
  describe(`public API under ${RUNS} hostile requests per route (routes ${shard} of every ${shards})`, () => {
    // 1,000 requests a route cost a few ms each: minutes on a machine shared with other runs.
    jest.setTimeout(20 * 60_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), 'callplane-fuzz-'));
    const credentialsKey = randomBytes(32);
    const fakes = {
      twilio: new FakeTwilio({ accounts: [] }),
      plivo: new FakePlivo({ accounts: [] }),
      exotel: new FakeExotel({ accounts: [{ sid: 'fuzzacct', apiKey: 'fuzz-key', apiToken: 'fuzz-token' }] }),
      vobiz: new FakeVobiz({ accounts: [] }),
    };
    let app: Awaited<ReturnType<typeof startAllInOne>>;
    let base: string;

    beforeAll(async () => {
      await Promise.all(Object.values(fakes).map((f) => f.start()));
      app = await startAllInOne(
        {
          DATABASE_URL: process.env.DATABASE_URL,
          PORT: '0',
          HOST: '127.0.0.1',
          CALLPLANE_DATA_DIR: dataDir,
          // Errors only: what a 5xx logs says why (nothing else is logged at that level on a clean run).
          LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
          AGENTS_LOG: 'silent',
          ADMIN_TOKEN: `admin-${randomBytes(16).toString('hex')}`,
          CREDENTIALS_KEY: credentialsKey.toString('base64'),
          PUBLIC_BASE_URL: 'https://voice.example.com',
          WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false',
          // The gateway's LiveKit webhook checks LiveKit's signature with this key pair (without one it answers 503:
          // not configured). Without LIVEKIT_URL everything else still runs the sandbox, as `npm start` does.
          LIVEKIT_API_KEY: 'APIfuzz',
          LIVEKIT_API_SECRET: `fuzz-${randomBytes(16).toString('hex')}`,
          TWILIO_API_BASE_URL: fakes.twilio.url,
          PLIVO_API_BASE_URL: fakes.plivo.url,
          EXOTEL_API_BASE_URL: fakes.exotel.url,
          VOBIZ_API_BASE_URL: fakes.vobiz.url,
        },
        { handleSignals: false },
      );
      base = `http://127.0.0.1:${app.running.port}`;
    });
    afterAll(async () => {
      await app?.running.stop();
      await Promise.all(Object.values(fakes).map((f) => f.stop()));
      rmSync(dataDir, { recursive: true, force: true });
    });

    /** One tenant's resources, made the way customers make them where the API allows. */
    async function tenantWithResources(label: string) {
      const prisma = app.running.platform.db.prisma;
      const secrets = new SecretBox(credentialsKey);
      const { tenantId, userId, apiKey } = await createTenantUser(base, app.config.ADMIN_TOKEN, label);
      const made = async (method: string, p: string, json?: unknown) => {
        const res = await httpRequest(method, `${base}${p}`, { token: apiKey, json });
        if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${res.text}`);
        return res.body;
      };
      const agentId = String((await made('POST', '/voice/agents', agentRequestBody(`${label} agent`))).id);
      // Every number demands a signature (or, for Exotel, the carrier's word on the call): no hostile webhook places a call.
      const signed = await made('POST', '/voice/phone-numbers', { number: uniquePhoneNumber(), signing_secret: `secret-${randomBytes(8).toString('hex')}` });
      const outbound = { id: newId('phoneNumber'), number: uniquePhoneNumber() };
      const exotel = { id: newId('phoneNumber'), number: `+9180${String(randomBytes(4).readUInt32BE() % 1e8).padStart(8, '0')}` };
      await prisma.phoneNumber.createMany({
        data: [
          { id: outbound.id, tenantId, number: outbound.number, provider: 'twilio', byok: true, outboundEnabled: true, agentId, credentialsEnc: secrets.seal(JSON.stringify({ account_sid: `AC${'1'.repeat(32)}`, auth_token: 'fuzz-token' })) },
          { id: exotel.id, tenantId, number: exotel.number, provider: 'exotel', byok: true, agentId, credentialsEnc: secrets.seal(JSON.stringify({ api_key: 'fuzz-key', api_token: 'fuzz-token', account_sid: 'fuzzacct' })) },
        ],
      });
      const campaign = await made('POST', '/voice/campaigns', {
        name: `${label} campaign`,
        agent_id: agentId,
        from_numbers: [outbound.number],
        timezone: 'UTC',
        windows: [{ days: ['mon'], start: '09:00', end: '10:00' }],
        concurrency: 1,
        retry: { max_attempts: 1, backoff_seconds: 0, on: [] },
      });
      const dnc = [uniquePhoneNumber(), uniquePhoneNumber()];
      await made('POST', '/voice/dnc', { numbers: dnc });
      // The tenant's webhook secret is made on its first read: made now, so the run's reads find it.
      await made('GET', '/voice/settings/webhooks');
      const sessionId = newId('callSession');
      await prisma.callSession.create({ data: { id: sessionId, tenantId, agentId, direction: 'outbound', callType: 'production', fromNumber: outbound.number, toNumber: dnc[0]!, provider: 'twilio', status: 'completed' } });
      return {
        apiKey,
        ids: { tenant: [tenantId], user: [userId], agent: [agentId], phoneNumber: [String(signed.id), outbound.id, exotel.id], callSession: [sessionId], campaign: [String(campaign.id)] },
        numbers: [String(signed.number), outbound.number, exotel.number, ...dnc],
      };
    }

    /** The database once nothing moves: the outbox relayed and consumed, two fingerprints alike. */
    async function settledFingerprint() {
      const prisma = app.running.platform.db.prisma;
      let last = '';
      return pollUntil(
        async () => {
          if ((await prisma.outboxEvent.count({ where: { publishedAt: null } })) > 0) return null;
          const now = JSON.stringify(await databaseFingerprint(prisma));
          const settled = now === last;
          last = now;
          return settled ? (JSON.parse(now) as Record<string, string>) : null;
        },
        { timeoutMs: 30_000, intervalMs: 200, description: 'the database to settle' },
      );
    }

    it('answers every route 4xx (or a read), never 5xx, in the error shape; writes nothing; pollutes no prototype', async () => {
      const a = await tenantWithResources('Attacked');
      const b = await tenantWithResources('Other');
      const world: FuzzWorld = {
        apiKey: a.apiKey,
        adminToken: app.config.ADMIN_TOKEN,
        ids: Object.fromEntries(Object.entries(a.ids).map(([kind, own]) => [kind, { own, foreign: b.ids[kind as keyof typeof b.ids] }])),
        numbers: { own: a.numbers, foreign: b.numbers },
      };
      const all = apiOperations((await httpRequest('GET', `${base}/openapi.json`)).body);
      // The document is the source of truth; this only checks it was read whole (every service's routes are in it).
      expect(all.map(operationLabel)).toEqual(expect.arrayContaining(['POST /admin/tenants', 'POST /voice/agents', 'POST /twilio/incoming/{phone_id}', 'POST /voice/campaigns', 'GET /voice/sessions']));
      const ops = all.filter((op, i) => i % shards === shard - 1 && (!ONLY || ONLY.test(operationLabel(op))));

      const prototypes = [Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort());
      const before = await settledFingerprint();
      const client = keepAliveClient(base, IN_FLIGHT);
      const failures: Record<string, string[]> = {};
      const statuses: Record<string, Record<number, number>> = {};
      try {
        for (const op of ops) await attack(op);
      } finally {
        client.close();
      }
      const after = await settledFingerprint();

      expect(failures).toEqual({});
      expect(after).toEqual(before);
      expect([Object.prototype, Array.prototype, Function.prototype].map((p) => Object.getOwnPropertyNames(p).sort())).toEqual(prototypes);
      // Every route of the shard was sent RUNS requests and answered each; together they met every kind of refusal.
      expect(Object.entries(statuses).map(([label, counts]) => [label, Object.values(counts).reduce((x, y) => x + y, 0)])).toEqual(ops.map((op) => [operationLabel(op), RUNS]));
      const seen = new Set(Object.values(statuses).flatMap((s) => Object.keys(s).map(Number)));
      if (!ONLY) expect([...seen]).toEqual(expect.arrayContaining([200, 400, 401, 404, 413, 415]));

      async function attack(op: ApiOperation) {
        const label = operationLabel(op);
        const seed = seedOf(label);
        const requests = fc.sample(hostileRequests(op, world), { numRuns: RUNS, seed });
        const counts: Record<number, number> = (statuses[label] = {});
        const problems: string[] = [];
        let failed = 0;
        await inPool(requests, IN_FLIGHT, async (req, i) => {
          let problem: string | null;
          try {
            const res = await client.send(req);
            counts[res.status] = (counts[res.status] ?? 0) + 1;
            problem = judge(req, res);
          } catch (err) {
            problem = `no answer: ${(err as Error).message}`;
          }
          if (problem && failed++ < 5) problems.push(`#${i} ${problem}\n      ${shown(req)}`);
        });
        if (failed) failures[`${label}: ${failed} of ${RUNS} (FUZZ_SEED=${SEED}, route seed ${seed})`] = problems;
      }
    });
  });
}

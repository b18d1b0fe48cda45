import { randomBytes, randomInt } from 'node:crypto';
import { newId, toE164 } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { AppError, createLogger, SecretBox } from '@callplane/service-kit';
import { LiveKitCalls } from '@callplane/livekit';
import { FakeLiveKit, uniquePhoneNumber } from '@callplane/testing';
import { LIVEKIT_KEYS, TestClock } from './dialer.test-harness';
import type { DialerDeps } from './usecases/deps';
import { dialerDepsOn } from './usecases/usecase-deps.test-harness';
import { admitTestCall, type TestCaller } from './usecases/studio.usecase';

/**
 * Admission races on real PostgreSQL: many requests at once, spread over several clients (each its own
 * connection pool, as replicas would be), straight into the admission use case. Nothing is dispatched, so
 * leases are held for the whole round and the figures measure admission alone.
 */
const CLIENTS = 6;
const POOL_PER_CLIENT = 4;
const ROUNDS = 20;

const clock = new TestClock();
const secrets = new SecretBox(randomBytes(32));
const logger = createLogger({ name: 'studio-race', level: 'silent' });
let dbs: Database[] = [];
let deps: DialerDeps[] = [];
let tenantId: string;
let agentId: string;
let users: TestCaller[];

const prisma = () => dbs[0]!.prisma;

// LiveKit configured (real destinations can be called), though nothing here reaches it.
const livekit = new FakeLiveKit(LIVEKIT_KEYS);

const depsFor = (db: Database): DialerDeps => dialerDepsOn(db, { clock, secrets, logger, livekit: new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS }) });

beforeAll(async () => {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is unset: run through jest');
  await livekit.start();
  dbs = Array.from({ length: CLIENTS }, () => connectPostgres({ url, poolSize: POOL_PER_CLIENT }));
  deps = dbs.map(depsFor);
  tenantId = newId('tenant');
  agentId = newId('agent');
  await prisma().tenant.create({ data: { id: tenantId, name: `Race ${randomBytes(4).toString('hex')}` } });
  await prisma().agent.create({
    data: { id: agentId, tenantId, name: 'Race agent', systemPrompt: 'Test.', voice: { greeting: 'Hi', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 300, recording: false, transcription: true } },
  });
  users = [];
  for (let i = 0; i < 50; i++) {
    const id = newId('user');
    await prisma().user.create({ data: { id, tenantId, email: `race-${i}-${randomBytes(3).toString('hex')}@example.com`, apiKeyHash: randomBytes(32).toString('hex'), apiKeyHint: 'race' } });
    users.push({ tenantId, userId: id });
  }
  // The US pool is exactly 3 numbers; the Indian one is large enough never to run out.
  const trial = (number: string, region: 'IN' | 'US') => ({ id: `tpn_${randomBytes(10).toString('hex')}`, number, region, provider: region === 'IN' ? 'vobiz' : 'plivo', credentialsEnc: secrets.seal('{}') });
  await prisma().trialNumber.createMany({ data: [...Array.from({ length: 3 }, () => trial(uniquePhoneNumber(), 'US')), ...Array.from({ length: 30 }, () => trial(indianNumber(), 'IN'))] });
});

afterAll(async () => {
  await Promise.all(dbs.map((db) => db.close()));
  await livekit.stop();
});

function indianNumber(): string {
  for (;;) {
    const n = toE164(`+919${randomInt(100_000_000, 999_999_999)}`);
    if (n) return n;
  }
}

/** Every request at once, spread round-robin over the clients; each settles to `ok` or its error code. */
async function race(requests: Array<{ caller: TestCaller; to: string }>): Promise<Record<string, number>> {
  const outcomes = await Promise.all(
    requests.map(({ caller, to }, i) =>
      admitTestCall(deps[i % deps.length]!, caller, { agent_id: agentId, to_number: to }).then(
        () => 'ok',
        (err: unknown) => (err instanceof AppError ? err.code : `unexpected: ${err instanceof Error ? err.message : String(err)}`),
      ),
    ),
  );
  return outcomes.reduce<Record<string, number>>((acc, o) => ({ ...acc, [o]: (acc[o] ?? 0) + 1 }), {});
}

/** What the round left behind: counters summed per kind for the day, calls admitted that day, numbers leased. */
async function ledger(day: string) {
  const counters = await prisma().testCallCounter.findMany({ where: { day: new Date(`${day}T00:00:00Z`) } });
  const sum = (prefix: string) => counters.filter((c) => c.scope.startsWith(prefix)).reduce((n, c) => n + c.count, 0);
  const calls = await prisma().outboundCall.count({ where: { callType: 'studio_test', createdAt: { gte: new Date(`${day}T00:00:00Z`), lt: new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000) } } });
  const leased = await prisma().trialNumber.count({ where: { inUseBy: { not: null } } });
  return { users: sum('user:'), destinations: sum('destination:'), calls, leased, maxCount: Math.max(0, ...counters.map((c) => c.count)) };
}

/** A fresh quota day per round (counters start at zero), with every number back in the pool. */
async function newRound(dayOffset: number): Promise<string> {
  clock.set(new Date(Date.UTC(2026, 11, 1) + dayOffset * 86_400_000 + 12 * 3_600_000).toISOString());
  await prisma().trialNumber.updateMany({ data: { inUseBy: null, leasedAt: null } });
  return clock.now().toISOString().slice(0, 10);
}

describe('studio test-call admission under concurrency (real PostgreSQL, several clients)', () => {
  it(`50 simultaneous requests for a pool of 3: exactly 3 admitted, 47 pool_exhausted, nothing consumed by refusals (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const day = await newRound(round);
      const outcome = await race(users.map((caller) => ({ caller, to: uniquePhoneNumber() })));
      expect({ round, outcome }).toEqual({ round, outcome: { ok: 3, pool_exhausted: 47 } });
      expect({ round, ...(await ledger(day)) }).toEqual({ round, users: 3, destinations: 3, calls: 3, leased: 3, maxCount: 1 });
    }
  });

  it(`20 simultaneous requests from one user: exactly 5 admitted (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const day = await newRound(100 + round);
      const caller = users[round]!;
      const outcome = await race(Array.from({ length: 20 }, () => ({ caller, to: indianNumber() })));
      expect({ round, outcome }).toEqual({ round, outcome: { ok: 5, test_call_user_quota: 15 } });
      expect({ round, ...(await ledger(day)) }).toEqual({ round, users: 5, destinations: 5, calls: 5, leased: 5, maxCount: 5 });
    }
  });

  it(`10 users calling one destination at once: exactly 3 admitted (${ROUNDS} rounds)`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const day = await newRound(200 + round);
      const to = indianNumber();
      const outcome = await race(users.slice(0, 10).map((caller) => ({ caller, to })));
      expect({ round, outcome }).toEqual({ round, outcome: { ok: 3, test_call_destination_quota: 7 } });
      expect({ round, ...(await ledger(day)) }).toEqual({ round, users: 3, destinations: 3, calls: 3, leased: 3, maxCount: 3 });
    }
  });
});

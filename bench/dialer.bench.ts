/**
 * Studio test-call admissions per second (quota counters + trial-number lease + call row, one transaction) on this
 * machine's PostgreSQL, against a bare `SELECT 1` transaction measured in the same run, with a count of over-grants.
 * See bench/README.md.
 *
 *   npm run bench:dialer                 print the figures (exit 0 unless the bench itself breaks)
 *   npm run bench:dialer -- --check      also exit 1 when a goal is missed or anything was over-granted
 *   npm run bench:dialer -- --quick      short runs, to check the bench works (figures are noisy)
 *   options: --concurrency <n> (default 32), --seconds <s> per phase (default 6)
 * Environment: BENCH_DATABASE_URL (server to create the throw-away database on; default
 * postgresql://postgres@127.0.0.1:5432/postgres), BENCH_DATABASE_POOL_SIZE (default 16).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { CallTransitions } from '@callplane/calls';
import { newId } from '@callplane/contracts';
import { connectPostgres, sqlOver, type Database } from '@callplane/db';
import { LiveKitCalls } from '@callplane/livekit';
import { AppError, createLogger, SecretBox } from '@callplane/service-kit';
import { FakeLiveKit } from '../libs/testing/src/fakes/livekit.fake';
import type { DialerDeps, DialerSettings } from '../apps/dialer/src/usecases/deps';
import { admitTestCall } from '../apps/dialer/src/usecases/studio.usecase';
import { benchRun } from './support/bench-run';
import { createBenchDatabase } from './support/bench-database';
import { benchArgs } from './support/args';

const { flag, option } = benchArgs();

const QUICK = flag('quick');
const CONCURRENCY = option('concurrency', 32);
const SECONDS = QUICK ? 1.5 : option('seconds', 6);
const WARMUP_SECONDS = QUICK ? 0.5 : 2;
const POOL_SIZE = Number(process.env.BENCH_DATABASE_POOL_SIZE ?? 16);
const GOAL_RPS = 500;
const SETTINGS: DialerSettings = { testCallUserDailyLimit: 5, testCallDestinationDailyLimit: 3, testCallMaxSeconds: 120, testCallDispatchTimeoutSeconds: 90, ringingTimeoutSeconds: 30, webhookAllowPrivateTargets: false, contactsUploadMaxBytes: 50 * 1024 * 1024, reaperGraceSeconds: 60 };
/** The contended phase: few users, fewer destinations, a pool smaller than the concurrency. */
const HOT = { users: 100, destinations: 40, pool: 4 };
const OPEN_POOL = 64;
const REFUSALS = new Set(['test_call_user_quota', 'test_call_destination_quota', 'pool_exhausted']);

const bench = benchRun();
const { progress } = bench;

interface PhaseResult {
  label: string;
  rps: number;
  completed: number;
  outcomes: Record<string, number>;
  latencyMs: { p50: number; p99: number; max: number };
  cpuMsPerOp: number;
}

/** Closed loop: `concurrency` workers, each starting its next operation when the last one settles. */
async function phase(label: string, seconds: number, op: (worker: number, seq: number) => Promise<string>): Promise<PhaseResult> {
  progress(`${label}: ${CONCURRENCY} concurrent for ${seconds} s`);
  const latencies: number[] = [];
  const outcomes: Record<string, number> = {};
  let seq = 0;
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  const end = t0 + seconds * 1000;
  let completedInWindow = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      while (performance.now() < end) {
        const started = performance.now();
        const outcome = await op(worker, seq++);
        const done = performance.now();
        latencies.push(done - started);
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        if (done <= end) completedInWindow++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = Float64Array.from(latencies).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return { label, rps: completedInWindow / seconds, completed: latencies.length, outcomes, latencyMs: { p50: at(0.5), p99: at(0.99), max: sorted[sorted.length - 1] ?? NaN }, cpuMsPerOp: (cpu.user + cpu.system) / 1000 / Math.max(1, latencies.length) };
}

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0]!;
  progress('creating and migrating the bench database');
  const db = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  bench.onCleanup(() => db.drop());
  const database: Database = connectPostgres({ url: db.url, poolSize: POOL_SIZE });
  bench.onCleanup(() => database.close());
  const { prisma } = database;

  let clockMs = Date.parse('2026-12-01T12:00:00Z');
  const outbox = { notify: () => undefined };
  // LiveKit configured, as in production, so real destinations are admitted (admission itself never calls it).
  const livekit = new FakeLiveKit({ apiKey: 'APIbench', apiSecret: 'dialer-bench-livekit-secret-0123456789' });
  await livekit.start();
  bench.onCleanup(() => livekit.stop());
  const deps: DialerDeps = {
    prisma,
    sql: sqlOver(prisma, database.pool),
    secrets: new SecretBox(randomBytes(32)),
    livekit: new LiveKitCalls({ url: livekit.url, apiKey: 'APIbench', apiSecret: 'dialer-bench-livekit-secret-0123456789' }),
    transitions: new CallTransitions({ prisma, pool: database.pool ?? null, outbox }),
    outbox,
    logger: createLogger({ name: 'dialer-bench', level: 'silent' }),
    settings: SETTINGS,
    now: () => new Date(clockMs),
    inflight: new Set(),
    replica: 'dialer-bench',
  };

  // Seed: a tenant, an agent, and two trial regions: a roomy Indian pool and a tight US one.
  const tenantId = newId('tenant');
  const agentId = newId('agent');
  await prisma.tenant.create({ data: { id: tenantId, name: 'Bench tenant' } });
  await prisma.agent.create({
    data: { id: agentId, tenantId, name: 'Bench agent', systemPrompt: 'Bench.', voice: { greeting: 'Hi', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 300, recording: false, transcription: true } },
  });
  const trial = (i: number, region: 'IN' | 'US') => ({
    id: `tpn_bench_${region}_${i}`,
    number: region === 'IN' ? `+9198${String(10_000_000 + i)}` : `+1415555${String(1000 + i)}`,
    region,
    provider: region === 'IN' ? 'vobiz' : 'plivo',
    credentialsEnc: deps.secrets.seal('{}'),
  });
  await prisma.trialNumber.createMany({ data: [...Array.from({ length: OPEN_POOL }, (_, i) => trial(i, 'IN')), ...Array.from({ length: HOT.pool }, (_, i) => trial(i, 'US'))] });
  const release = (sessionId: string) => prisma.$executeRaw`UPDATE trial_numbers SET in_use_by = NULL WHERE in_use_by = ${sessionId}`;

  const admit = async (userId: string, to: string): Promise<{ outcome: string; sessionId?: string }> => {
    try {
      const { session_id } = await admitTestCall(deps, { tenantId, userId }, { agent_id: agentId, to_number: to });
      return { outcome: 'granted', sessionId: session_id };
    } catch (err) {
      if (err instanceof AppError && REFUSALS.has(err.code)) return { outcome: err.code };
      throw err;
    }
  };
  const runId = randomBytes(3).toString('hex');
  const indian = (n: number) => `+9197${String(10_000_000 + (n % 90_000_000))}`;

  // 1. The yardstick: a bare interactive transaction with `SELECT 1`, same pool, same concurrency.
  const selectOne = async () => {
    await prisma.$transaction(async (tx) => tx.$queryRaw`SELECT 1`);
    return 'ok';
  };
  await phase('warm-up', WARMUP_SECONDS, selectOne);
  const baseline = await phase('baseline   SELECT 1 transaction', SECONDS, selectOne);

  // 2. Dial-like: the row a dial request commits (`dispatching`), no quota, no pool.
  const dial = await phase('dial-like  call row insert', SECONDS, async () => {
    await prisma.$transaction(async (tx) => {
      await tx.outboundCall.create({ data: { id: newId('callSession'), tenantId, agentId, fromNumber: '+14155550100', toNumber: '+14155550199', callType: 'production', state: 'dispatching', createdAt: new Date(clockMs) } });
    });
    return 'ok';
  });

  // 3. Studio admissions, uncontended: new user and destination each time; the call "ends" at once (lease released).
  clockMs += 86_400_000;
  await phase('studio warm-up', WARMUP_SECONDS, async (w, seq) => {
    const r = await admit(`usr_warm_${runId}_${w}_${seq}`, indian(seq * 7 + 1));
    if (r.sessionId) await release(r.sessionId);
    return r.outcome;
  });
  clockMs += 86_400_000;
  const openDay = new Date(clockMs).toISOString().slice(0, 10);
  const open = await phase('studio     admissions (free pool)', SECONDS, async (_w, seq) => {
    const r = await admit(`usr_open_${runId}_${seq}`, indian(seq));
    if (r.sessionId) await release(r.sessionId);
    return r.outcome;
  });

  // 4. Contended: hot users and destinations, a pool of 4 for 32 workers; each grant holds its number a moment.
  clockMs += 86_400_000;
  const hotDay = new Date(clockMs).toISOString().slice(0, 10);
  let held = 0;
  let maxHeld = 0;
  const hot = await phase('studio     admissions (contended)', SECONDS, async (w, seq) => {
    const r = await admit(`usr_hot_${runId}_${(w * 7 + seq) % HOT.users}`, `+1212555${String(1000 + (seq % HOT.destinations))}`);
    if (r.sessionId) {
      maxHeld = Math.max(maxHeld, ++held);
      await new Promise((resolve) => setImmediate(resolve));
      held--;
      await release(r.sessionId);
    }
    return r.outcome;
  });

  // 5. Over-grants: no counter above its limit, calls per user/destination/day equal to the counters and within the
  //    limits, and never more numbers held at once than the pool has.
  const overGrants = await countOverGrants(deps, [openDay, hotDay]);
  const poolOver = Math.max(0, maxHeld - HOT.pool);

  // Report.
  const rows = [baseline, dial, open, hot];
  const width = Math.max(...rows.map((r) => r.label.length)) + 2;
  const fmt = (v: number, d: number) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const cpus = availableParallelism();
  console.log('dialer bench (studio test-call admission: quota counters + trial-number lease + call row in one transaction, PostgreSQL)');
  console.log(`in-process closed loop: ${CONCURRENCY} concurrent callers of the admission use case over a pool of ${POOL_SIZE} connections; ${SECONDS} s per phase${QUICK ? '; --quick: short runs, noisy figures' : ''}`);
  console.log(`machine: ${cpus} CPUs, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end (PostgreSQL and this process share them)`);
  console.log(`${''.padEnd(width)}${'ops/s'.padStart(8)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}${'cpu ms/op'.padStart(11)}   outcomes`);
  for (const r of rows) {
    const outcomes = Object.entries(r.outcomes).map(([k, v]) => `${k} ${v}`).join(', ');
    console.log(`${r.label.padEnd(width)}${fmt(r.rps, 0).padStart(8)}${fmt(r.latencyMs.p50, 1).padStart(9)}${fmt(r.latencyMs.p99, 1).padStart(9)}${fmt(r.latencyMs.max, 1).padStart(9)}${fmt(r.cpuMsPerOp, 2).padStart(11)}   ${outcomes}`);
  }
  const goalMet = open.rps >= GOAL_RPS;
  const clean = overGrants.total === 0 && poolOver === 0;
  console.log(
    `admissions: ${open.rps.toFixed(0)}/s free pool (goal ≥ ${GOAL_RPS}) ${goalMet ? 'met' : 'MISSED'}, ${hot.rps.toFixed(0)}/s contended; ` +
      `ratio to the SELECT 1 transaction ${(open.rps / baseline.rps).toFixed(2)} (free) / ${(hot.rps / baseline.rps).toFixed(2)} (contended), to the dial-like insert ${(open.rps / dial.rps).toFixed(2)}`,
  );
  console.log(
    `over-grants: ${overGrants.total} (${overGrants.detail}); numbers held at once ${maxHeld} of a pool of ${HOT.pool}${poolOver ? ' — OVER' : ''}; ` +
      `contended limits: ${HOT.users} users × ${SETTINGS.testCallUserDailyLimit}, ${HOT.destinations} destinations × ${SETTINGS.testCallDestinationDailyLimit}`,
  );
  return flag('check') && !(goalMet && clean) ? 1 : 0;
}

/** Grants beyond a limit, read back from the database for the given quota days. */
async function countOverGrants(deps: DialerDeps, days: string[]): Promise<{ total: number; detail: string }> {
  const { prisma, settings } = deps;
  let counterOver = 0;
  let callsOver = 0;
  let mismatched = 0;
  for (const day of days) {
    const from = new Date(`${day}T00:00:00Z`);
    const until = new Date(from.getTime() + 86_400_000);
    const counters = await prisma.testCallCounter.findMany({ where: { day: from } });
    const limitOf = (scope: string) => (scope.startsWith('user:') ? settings.testCallUserDailyLimit : settings.testCallDestinationDailyLimit);
    counterOver += counters.reduce((n, c) => n + Math.max(0, c.count - limitOf(c.scope)), 0);
    const where = { callType: 'studio_test', createdAt: { gte: from, lt: until } };
    const perUser = await prisma.outboundCall.groupBy({ by: ['userId'], where, _count: { _all: true } });
    const perDestination = await prisma.outboundCall.groupBy({ by: ['toNumber'], where, _count: { _all: true } });
    const counted = new Map(counters.map((c) => [c.scope, c.count]));
    for (const u of perUser) {
      callsOver += Math.max(0, u._count._all - settings.testCallUserDailyLimit);
      if (counted.get(`user:${u.userId}`) !== u._count._all) mismatched++;
    }
    for (const d of perDestination) {
      callsOver += Math.max(0, d._count._all - settings.testCallDestinationDailyLimit);
      if (counted.get(`destination:${d.toNumber}`) !== d._count._all) mismatched++;
    }
  }
  return { total: counterOver + callsOver + mismatched, detail: `${counterOver} counter(s) above a limit, ${callsOver} call(s) above a limit, ${mismatched} counter(s) not matching the calls admitted` };
}

bench.run(main);

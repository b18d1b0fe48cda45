/**
 * Campaigns at scale, on this machine's PostgreSQL. See bench/README.md.
 *
 *   (a) import: 100,000 contacts in one CSV upload through the dialer's API → rows/s (goal ≥ 20,000), beside a
 *       baseline measured in the same run: the same rows inserted straight into PostgreSQL in 5,000-row statements
 *       (no HTTP, no CSV, no checks).
 *   (b) pace: 300 contacts on the sandbox load range's shortest calls, every replica running: achieved calls/s against
 *       `max_calls_per_second` 50 (goal within ±5%): calls this short leave the pace, not the concurrency, to bind.
 *   (c) run: a 10,000-contact campaign on the sandbox load range with four dialer replicas (separate processes) and a
 *       voice agent playing the sandbox carrier, on one PostgreSQL and the Kafka test broker, at concurrency 200 and
 *       50 calls/s, one replica SIGKILLed halfway: the highest concurrency seen in the database (goal ≤ 200),
 *       contacts dialed twice (goal 0), contacts lost (goal 0), achieved calls/s against what the limits allow, and
 *       the dialer replicas' CPU per admitted call.
 *
 *   npm run bench:campaign                  everything (phase c takes about 45 minutes: see the README)
 *   npm run bench:campaign -- --quick       20,000 rows, 1,000 contacts
 *   npm run bench:campaign -- --check       exit 1 when a goal is missed
 *   npm run bench:campaign -- --phases a,b  only the phases named (default a,b,c)
 *   options: --rows <n> (a), --contacts <n> (c, at most 10,000), --replicas <n> (c, default 4)
 * Environment: BENCH_DATABASE_URL (server for the throw-away database; default postgresql://postgres@127.0.0.1:5432/postgres).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { connectPostgres, type Database } from '@callplane/db';
import { SecretBox, type BaseServiceConfig } from '@callplane/service-kit';
import { startKafkaMock } from '../libs/testing/src/kafka/kafka-mock';
import { benchRun } from './support/bench-run';
import { benchArgs } from './support/args';
import { createBenchDatabase } from './support/bench-database';
import { giveSandboxNumber } from '../apps/provisioning/src/usecases/sandbox-numbers.usecase';
import { CampaignApi, callSeconds, loadRangeNumbers } from './support/campaign-api';
import { postgresCpuMs } from './support/postgres-cpu';
import { startServiceProcess, type ServiceProcess } from './support/service-process';
import { verdict } from './support/report';
import { seedAgent } from './support/seed-number';

const { flag, option } = benchArgs();
const QUICK = flag('quick');
const ROWS = option('rows', QUICK ? 20_000 : 100_000);
const CONTACTS = Math.min(option('contacts', QUICK ? 1_000 : 10_000), 10_000);
const REPLICAS = option('replicas', 4);
const PHASES = phasesArg();
const GOALS = { importRowsPerSecond: 20_000, paceTolerance: 0.05, concurrency: 200, rate: 50 };

const bench = benchRun();
const { progress } = bench;

async function main(): Promise<number> {
  const database = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  bench.onCleanup(() => database.drop());
  const kafka = await startKafkaMock({ brokers: 1 });
  bench.onCleanup(() => kafka.stop());
  const db = connectPostgres({ url: database.url, poolSize: 4 });
  bench.onCleanup(() => db.close());

  const credentialsKey = randomBytes(32).toString('base64');
  const config = {
    PORT: 0,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
    SHUTDOWN_GRACE_SECONDS: 5,
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: 4,
    CREDENTIALS_KEY: credentialsKey,
  } as unknown as BaseServiceConfig;
  const seeded = await seedAgent(config, new SecretBox(credentialsKey), 'https://bench.example.com');
  // The tenant's sandbox number to call from, as sandbox mode gives every tenant one: outbound, active, needing no trunk.
  const from = await db.prisma.$transaction((tx) => giveSandboxNumber(tx, seeded.tenantId));
  if (!from) throw new Error('no sandbox caller id is free in the bench database');
  const caller: Caller = { agentId: seeded.agentId, from };

  const env = {
    DATABASE_URL: database.url,
    DATABASE_POOL_SIZE: '8',
    KAFKA_BROKERS: kafka.bootstrap,
    KAFKA_IDEMPOTENT: 'false',
    // The test broker holds an empty fetch for the whole wait (a Kafka broker answers when records arrive): kept short,
    // so an event waits for the next fetch, not for kafkajs' 5 s default.
    KAFKA_FETCH_MAX_WAIT_MS: '100',
    KAFKA_NAMESPACE: `bench${randomBytes(3).toString('hex')}`,
    ADMIN_TOKEN: String(config.ADMIN_TOKEN),
    CREDENTIALS_KEY: credentialsKey,
    PUBLIC_BASE_URL: 'https://bench.example.com',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
  };
  progress('starting the voice agent (sandbox carrier) and the dialer replicas');
  const voiceAgent = await startServiceProcess('voice-agent', 'apps/voice-agent/src/main.ts', env);
  bench.onCleanup(() => voiceAgent.stop());
  // Started together, so their consumer groups settle in one rebalance rather than one per replica.
  const started = await Promise.allSettled(Array.from({ length: REPLICAS }, (_, i) => startServiceProcess(`dialer-${i + 1}`, 'apps/dialer/src/main.ts', env)));
  const dialers: ServiceProcess[] = [];
  for (const s of started) {
    if (s.status !== 'fulfilled') continue;
    dialers.push(s.value);
    bench.onCleanup(() => s.value.stop());
  }
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  const api = new CampaignApi(dialers[0]!.url, seeded.apiKey);

  const imported = PHASES.has('a') ? await importPhase(db, api, caller) : null;
  const paced = PHASES.has('b') ? await pacePhase(db, api, caller, { dialers, voiceAgent }) : null;
  const run = PHASES.has('c') ? await runPhase(db, api, caller, dialers) : null;

  const results: Array<{ goal: string; met: boolean }> = [];
  console.log('');
  console.log(`campaign bench — ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(1)}`);
  if (imported) {
    results.push({ goal: `import ≥ ${GOALS.importRowsPerSecond.toLocaleString('en-US')} rows/s`, met: imported.rowsPerSecond >= GOALS.importRowsPerSecond });
    console.log(`(a) import ${ROWS.toLocaleString('en-US')} contacts: ${fmt(imported.rowsPerSecond)} rows/s through the API; baseline (straight INSERTs) ${fmt(imported.baselineRowsPerSecond)} rows/s; ratio ${(imported.rowsPerSecond / imported.baselineRowsPerSecond).toFixed(2)}`);
  }
  if (paced) {
    results.push({ goal: `pace within ±${GOALS.paceTolerance * 100}% of ${GOALS.rate}/s`, met: Math.abs(paced.achieved / GOALS.rate - 1) <= GOALS.paceTolerance });
    console.log(`(b) pace: ${paced.calls} calls at ${paced.achieved.toFixed(1)} calls/s, configured ${GOALS.rate}/s; highest concurrency ${paced.maxCalling} of ${GOALS.concurrency}`);
    const pipeline = paced.cpuMsPerCall.dialers + paced.cpuMsPerCall.voiceAgent + paced.cpuMsPerCall.postgres;
    console.log(
      `    CPU per call: dialers ${paced.cpuMsPerCall.dialers.toFixed(1)} ms, voice agent (sandbox carrier) ${paced.cpuMsPerCall.voiceAgent.toFixed(1)} ms, ` +
        `PostgreSQL ${paced.cpuMsPerCall.postgres.toFixed(1)} ms: ${pipeline.toFixed(1)} ms, so at most ${((availableParallelism() * 1000) / pipeline).toFixed(0)} calls/s on ${availableParallelism()} cores`,
    );
  }
  if (run) {
    results.push(
      { goal: `run: concurrency never above ${GOALS.concurrency}`, met: run.maxCalling <= GOALS.concurrency },
      { goal: 'run: no contact dialed twice', met: run.dialedTwice === 0 },
      { goal: 'run: no contact lost', met: run.lost === 0 },
      { goal: `run: calls/s within ±${GOALS.paceTolerance * 100}% of what the limits allow`, met: Math.abs(run.achieved / run.allowed - 1) <= GOALS.paceTolerance },
    );
    console.log(
      `(c) run: ${run.contacts.toLocaleString('en-US')} contacts, ${REPLICAS} replicas (one killed at ${run.killedAt}), ${run.minutes.toFixed(1)} min; ` +
        `${run.achieved.toFixed(2)} calls/s, limits allow ${run.allowed.toFixed(2)} (${run.boundBy}); highest concurrency ${run.maxCalling}; ` +
        `dialed twice ${run.dialedTwice}; lost ${run.lost}; dialer CPU ${run.cpuMsPerCall.toFixed(2)} ms per admitted call`,
    );
    console.log(`    mean admission → session ${run.dispatchLagSeconds.toFixed(2)} s; call ended → contact final ${run.outcomeLagSeconds.toFixed(2)} s`);
  }
  for (const r of results) console.log(`  ${r.goal}: ${verdict(r.met)}`);
  return flag('check') && results.some((r) => !r.met) ? 1 : 0;
}

/** (a): one CSV upload of `ROWS` distinct valid numbers, then the same rows inserted straight, into another campaign. */
async function importPhase(db: Database, api: CampaignApi, caller: Caller) {
  const numbers = Array.from({ length: ROWS }, (_, i) => `+1212${String(2_000_000 + i).padStart(7, '0')}`);
  const csv = `to_number,customer_name\r\n${numbers.map((n, i) => `${n},Customer ${i}`).join('\r\n')}\r\n`;
  const campaign = await api.create(campaignBody(caller, 'import'));
  progress(`(a) uploading ${ROWS.toLocaleString('en-US')} contacts (${(csv.length / 1e6).toFixed(1)} MB of CSV)`);
  const t0 = performance.now();
  const result = await api.uploadCsv(campaign.id, csv);
  const seconds = (performance.now() - t0) / 1000;
  if (result.accepted !== ROWS) throw new Error(`(a) the upload accepted ${result.accepted} of ${ROWS} rows`);

  const baseline = await api.create(campaignBody(caller, 'import baseline'));
  const tenantId = await tenantOf(db, campaign.id);
  const b0 = performance.now();
  for (let i = 0; i < numbers.length; i += 5_000) {
    const batch = numbers.slice(i, i + 5_000);
    await db.pool!.query(
      `INSERT INTO campaign_contacts (id, campaign_id, tenant_id, seq, to_number, context, updated_at)
       SELECT 'cct_b' || n.seq, $1, $2, n.seq, n.num, jsonb_build_object('customer_name', 'Customer ' || n.seq), now()
       FROM unnest($3::text[], $4::int[]) AS n(num, seq)`,
      [baseline.id, tenantId, batch, batch.map((_, j) => i + j + 1)],
    );
  }
  const baselineSeconds = (performance.now() - b0) / 1000;
  return { rowsPerSecond: ROWS / seconds, baselineRowsPerSecond: ROWS / baselineSeconds };
}

/**
 * (b): the 300 load-range numbers whose calls last 1–2 s after a 1 s ring: at 50/s about 150 are up at once, so the
 * pace binds, as long as the machine keeps up. It also prints what each call cost in CPU across the pipeline (the
 * dialers, the voice agent playing the carrier, PostgreSQL): on a machine where that, times the rate, exceeds its
 * cores, events queue, contacts stay `calling` longer, and the concurrency binds before the pace does.
 */
async function pacePhase(db: Database, api: CampaignApi, caller: Caller, procs: { dialers: ServiceProcess[]; voiceAgent: ServiceProcess }) {
  const numbers = loadRangeNumbers(300);
  const campaign = await api.create(campaignBody(caller, 'pace'));
  await api.uploadCsv(campaign.id, `to_number\n${numbers.join('\n')}\n`);
  progress(`(b) pacing ${numbers.length} short calls at ${GOALS.rate}/s`);
  const cpu = () => ({
    dialers: procs.dialers.reduce((sum, d) => sum + (d.cpuMs() ?? 0), 0),
    voiceAgent: procs.voiceAgent.cpuMs() ?? 0,
    postgres: postgresCpuMs() ?? NaN,
  });
  const before = cpu();
  await api.launch(campaign.id);
  const maxCalling = await waitForCampaign(db, api, campaign.id, 120_000);
  const after = cpu();
  const { rate } = await dialRate(db, campaign.id);
  const perCall = (k: keyof typeof before) => (after[k] - before[k]) / numbers.length;
  const cpuMsPerCall = { dialers: perCall('dialers'), voiceAgent: perCall('voiceAgent'), postgres: perCall('postgres') };
  return { calls: numbers.length, achieved: rate, cpuMsPerCall, maxCalling };
}

/** (c): the whole run, with one replica killed once half the contacts are final. */
async function runPhase(db: Database, api: CampaignApi, caller: Caller, dialers: ServiceProcess[]) {
  const numbers = loadRangeNumbers(CONTACTS);
  const meanCallSeconds = numbers.reduce((s, n) => s + callSeconds(n), 0) / numbers.length;
  const allowedByConcurrency = GOALS.concurrency / meanCallSeconds;
  const allowed = Math.min(GOALS.rate, allowedByConcurrency);
  const campaign = await api.create(campaignBody(caller, 'run'));
  await api.uploadCsv(campaign.id, `to_number\n${numbers.join('\n')}\n`);
  const cpuBefore = dialers.map((d) => d.cpuMs() ?? 0);
  const cpuAtKill: number[] = [];
  progress(`(c) ${CONTACTS.toLocaleString('en-US')} contacts, mean call ${meanCallSeconds.toFixed(1)} s: about ${Math.ceil(CONTACTS / allowed / 60)} min`);
  await api.launch(campaign.id);

  let maxCalling = 0;
  let killedAt = 'never';
  const victim = dialers[dialers.length - 1]!;
  const deadline = Date.now() + (CONTACTS / allowed) * 2_000 + 120_000;
  for (;;) {
    const { calling, final, status } = await contactCounts(db, campaign.id);
    maxCalling = Math.max(maxCalling, calling);
    if (killedAt === 'never' && final >= CONTACTS / 2 && dialers.length > 1) {
      cpuAtKill.push(victim.cpuMs() ?? 0);
      victim.kill();
      killedAt = `${final} final`;
      progress(`(c) killed ${victim.name} with ${final} contacts final and ${calling} calling`);
    }
    if (status === 'completed' || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const cpuAfter = dialers.map((d, i) => (d === victim && cpuAtKill.length ? cpuAtKill[0]! : (d.cpuMs() ?? 0)) - cpuBefore[i]!);
  const { rate, admitted, seconds } = await dialRate(db, campaign.id);
  const twice = await db.pool!.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT campaign_contact_id FROM outbound_calls WHERE campaign_id = $1 GROUP BY 1 HAVING count(*) > 1) t`,
    [campaign.id],
  );
  const commandsTwice = await db.pool!.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT key FROM outbox_events WHERE envelope->>'type' = 'sandbox.call_requested' AND key IN (SELECT id FROM outbound_calls WHERE campaign_id = $1) GROUP BY key HAVING count(*) > 1) t`,
    [campaign.id],
  );
  // Where a call's time goes besides the call itself: admission → session opened (the pace slot and the dispatch),
  // and the call's end → its contact final (the lifecycle event through the outbox, the bus and a replica's consumer).
  const lag = await db.pool!.query<{ dispatch: number | null; outcome: number | null }>(
    `SELECT avg(extract(epoch FROM s.created_at - o.created_at)) AS dispatch, avg(extract(epoch FROM c.updated_at - s.ended_at)) AS outcome
     FROM outbound_calls o JOIN call_sessions s ON s.id = o.id JOIN campaign_contacts c ON c.id = o.campaign_contact_id
     WHERE o.campaign_id = $1 AND s.ended_at IS NOT NULL`,
    [campaign.id],
  );
  const lost = await db.pool!.query<{ n: string }>(`SELECT count(*) AS n FROM campaign_contacts WHERE campaign_id = $1 AND state <> 'completed'`, [campaign.id]);
  return {
    contacts: CONTACTS,
    minutes: seconds / 60,
    achieved: rate,
    allowed,
    boundBy: allowedByConcurrency < GOALS.rate ? `concurrency ${GOALS.concurrency} over a mean call of ${meanCallSeconds.toFixed(1)} s` : `the pace, ${GOALS.rate}/s`,
    maxCalling,
    dialedTwice: Number(twice.rows[0]!.n) + Number(commandsTwice.rows[0]!.n),
    lost: Number(lost.rows[0]!.n),
    killedAt,
    cpuMsPerCall: cpuAfter.reduce((a, b) => a + b, 0) / Math.max(1, admitted),
    dispatchLagSeconds: Number(lag.rows[0]?.dispatch ?? NaN),
    outcomeLagSeconds: Number(lag.rows[0]?.outcome ?? NaN),
  };
}

/** `--phases a,b`: the phases to run, in their order (all three when absent). */
function phasesArg(): Set<'a' | 'b' | 'c'> {
  const argv = process.argv.slice(2);
  const i = argv.indexOf('--phases');
  if (i < 0) return new Set(['a', 'b', 'c']);
  const names = (argv[i + 1] ?? '').split(',').map((p) => p.trim());
  if (!names.length || names.some((p) => p !== 'a' && p !== 'b' && p !== 'c')) throw new Error('--phases takes a comma-separated list of a, b, c');
  return new Set(names as Array<'a' | 'b' | 'c'>);
}

/** The bench tenant's agent and its sandbox number. */
interface Caller {
  agentId: string;
  from: string;
}

function campaignBody(caller: Caller, name: string) {
  return {
    name: `bench ${name}`,
    agent_id: caller.agentId,
    from_numbers: [caller.from],
    timezone: 'UTC',
    windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '23:59' }],
    concurrency: GOALS.concurrency,
    max_calls_per_second: GOALS.rate,
    retry: { max_attempts: 1, backoff_seconds: 0, on: [] },
    recipient_hours: null,
  };
}

async function contactCounts(db: Database, campaignId: string) {
  const r = await db.pool!.query<{ calling: string; final: string; status: string }>(
    `SELECT count(*) FILTER (WHERE c.state = 'calling') AS calling,
            count(*) FILTER (WHERE c.state NOT IN ('pending', 'calling', 'retry_scheduled')) AS final,
            (SELECT status FROM campaigns WHERE id = $1) AS status
     FROM campaign_contacts c WHERE c.campaign_id = $1`,
    [campaignId],
  );
  const row = r.rows[0]!;
  return { calling: Number(row.calling), final: Number(row.final), status: row.status };
}

/** Waits for the campaign to complete; returns the most contacts seen `calling` at once (polled every 100 ms). */
async function waitForCampaign(db: Database, api: CampaignApi, campaignId: string, timeoutMs: number): Promise<number> {
  const until = Date.now() + timeoutMs;
  let maxCalling = 0;
  for (;;) {
    const { status, calling } = await contactCounts(db, campaignId);
    maxCalling = Math.max(maxCalling, calling);
    if (status === 'completed') return maxCalling;
    if (Date.now() > until) throw new Error(`campaign ${campaignId} did not complete: ${JSON.stringify(await api.get(campaignId))}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Calls placed per second between the first and the last dispatch, from the calls' own rows. Dispatch, not admission:
 * a round admits calls up to the pace horizon ahead of their slot, and each is dispatched (dialed) at its slot.
 */
async function dialRate(db: Database, campaignId: string) {
  const r = await db.pool!.query<{ n: string; first: Date; last: Date }>(
    `SELECT count(*) AS n, min(dispatched_at) AS first, max(dispatched_at) AS last FROM outbound_calls WHERE campaign_id = $1 AND dispatched_at IS NOT NULL`,
    [campaignId],
  );
  const row = r.rows[0]!;
  const admitted = Number(row.n);
  const seconds = (row.last.getTime() - row.first.getTime()) / 1000;
  return { admitted, seconds, rate: seconds > 0 ? (admitted - 1) / seconds : 0 };
}

async function tenantOf(db: Database, campaignId: string): Promise<string> {
  return (await db.prisma.campaign.findUniqueOrThrow({ where: { id: campaignId }, select: { tenantId: true } })).tenantId;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

bench.run(main);

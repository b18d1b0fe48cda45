/**
 * Inbound Twilio webhook throughput and latency, signature checked, against a bare express hello-world
 * measured in the same run on the same machine. See bench/README.md.
 *
 *   npm run bench:webhook                 print the figures (exit 0 unless the bench itself breaks)
 *   npm run bench:webhook -- --check      also exit 1 when a goal is missed
 *   npm run bench:webhook -- --quick      short runs, to check the bench works (figures are noisy)
 *   options: --connections <n> (default 32), --rate <rps> (default 1000)
 * Environment: BENCH_DATABASE_URL (server to create the throw-away database on; default
 * postgresql://postgres@127.0.0.1:5432/postgres), KAFKA_BROKERS (Kafka bus instead of in-process),
 * BENCH_DATABASE_POOL_SIZE (gateway pool; default the service default, 10), BENCH_LOG_LEVEL (default warn).
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { availableParallelism, loadavg } from 'node:os';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { TOPICS } from '@callplane/contracts';
import { bootService, SecretBox, type BaseServiceConfig, type RunningService } from '@callplane/service-kit';
import { createGatewayModule } from '../apps/telephony-gateway/src/app';
import { benchRun } from './support/bench-run';
import { createBenchDatabase, type BenchDatabase } from './support/bench-database';
import type { LoadJob, LoadMode, RequestPlan } from './support/load-types';
import { postgresCpuMs } from './support/postgres-cpu';
import { formatTable, verdict, type Row } from './support/report';
import { runLoad } from './support/run-load';
import { seedNumber } from './support/seed-number';
import { newCallSid } from './support/twilio-requests';
import { benchArgs } from './support/args';

const { flag, option } = benchArgs();

const QUICK = flag('quick');
const CONNECTIONS = option('connections', 32);
const RATE = option('rate', 1000);
const GOALS = { ratio: 0.5, p99Ms: 20 };
/** Seconds per phase. Keeps a full run well under two minutes. */
const SECONDS = QUICK ? { warmup: 1, max: 2, rate: 2, retry: 1 } : { warmup: 3, max: 8, rate: 10, retry: 4 };
/** A generous upper bound on what one gateway process answers per second, to sign enough distinct requests up front. */
const MAX_GATEWAY_RPS = 12_000;

const PUBLIC_BASE_URL = 'https://voice.bench.example.com';
const kafkaBrokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
const busName = kafkaBrokers?.length ? `Kafka bus (${kafkaBrokers.join(',')})` : 'in-process bus';

/** Stop the gateway, drop the database: once, whether the run ends, fails or is interrupted (Ctrl-C also stops the generator). */
const bench = benchRun();
const { progress } = bench;
const seconds = (s: number): Pick<LoadMode, 'durationMs'> => ({ durationMs: s * 1000 });
const max = (s: number): LoadMode => ({ kind: 'max', connections: CONNECTIONS, ...seconds(s) });
const rate = (s: number): LoadMode => ({ kind: 'rate', rps: RATE, connections: CONNECTIONS, ...seconds(s) });

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0]!;
  const rows: Row[] = [];
  const load = async (label: string, port: number, plan: RequestPlan, mode: LoadMode, expect: LoadJob['expect'], record: boolean = true) => {
    progress(`${label.replace(/\s+/g, ' ')}: ${mode.kind === 'max' ? 'max throughput' : `${mode.rps} rps`} for ${mode.durationMs / 1000} s`);
    // This process serves; the generator is another process, so this process's CPU time is the server's.
    const cpuBefore = process.cpuUsage();
    const dbBefore = postgresCpuMs();
    const result = await runLoad({ host: '127.0.0.1', port, plan, mode, expect });
    const cpu = process.cpuUsage(cpuBefore);
    const dbAfter = postgresCpuMs();
    const serverCpuMsPerRequest = (cpu.user + cpu.system) / 1000 / Math.max(1, result.completed);
    const dbCpuMsPerRequest = dbBefore !== null && dbAfter !== null ? (dbAfter - dbBefore) / Math.max(1, result.completed) : null;
    if (result.firstError) progress(`  ${result.errors} error(s); first: ${result.firstError}`);
    if (result.reused > 0) progress(`  ran out of pre-signed requests: ${result.reused} CallSids were sent twice`);
    if (record) rows.push({ label, result, serverCpuMsPerRequest, dbCpuMsPerRequest });
    return { ...result, serverCpuMsPerRequest, dbCpuMsPerRequest };
  };

  // 1. The yardstick: express with one route, same machine, same generator.
  const baseline = await startHelloWorld();
  const hello: RequestPlan = { kind: 'get', path: '/' };
  const helloOk = { status: 200, bodyIncludes: 'Hello World!' };
  await load('baseline warm-up', baseline.port, hello, max(SECONDS.warmup), helloOk, false);
  const baselineMax = await load('baseline express   max', baseline.port, hello, max(SECONDS.max), helloOk);
  await load(`baseline express   @${RATE} rps`, baseline.port, hello, rate(SECONDS.rate), helloOk);
  await baseline.close();

  // 2. The gateway on a fresh, migrated database, with a number seeded through the provisioning API.
  progress('creating and migrating the bench database');
  const adminUrl = process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
  const db: BenchDatabase = await createBenchDatabase(adminUrl);
  bench.onCleanup(() => db.drop());
  const config: BaseServiceConfig = {
    PORT: 0,
    HOST: '127.0.0.1',
    LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
    ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
    SHUTDOWN_GRACE_SECONDS: 5,
    DATABASE_URL: db.url,
    DATABASE_POOL_SIZE: process.env.BENCH_DATABASE_POOL_SIZE ? Number(process.env.BENCH_DATABASE_POOL_SIZE) : undefined,
    KAFKA_BROKERS: kafkaBrokers?.length ? kafkaBrokers : undefined,
  };
  const secrets = new SecretBox(randomBytes(32));
  const { phoneId, signingSecret } = await seedNumber(config, secrets, PUBLIC_BASE_URL);
  const gateway: RunningService = await bootService({
    name: 'telephony-gateway',
    config,
    handleSignals: false,
    modules: ({ platform, routerDeps }) => [createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: 'sip.livekit.bench.example.com' })],
  });
  bench.onCleanup(() => gateway.stop());
  const prisma = gateway.platform.db.prisma;

  const twiml = { status: 200, bodyIncludes: '<Dial' };
  const inbound = (mode: LoadMode, repeatCallSid?: string): RequestPlan => ({
    kind: 'twilio-inbound',
    phoneId,
    publicBaseUrl: PUBLIC_BASE_URL,
    signingSecret,
    repeatCallSid,
    count: repeatCallSid ? 1 : Math.ceil((mode.durationMs / 1000) * (mode.kind === 'rate' ? mode.rps : MAX_GATEWAY_RPS)),
  });
  /** Waits for the gateway's outbox relay to publish everything, so one phase's backlog does not load the next. */
  const relayCatchUp = async (): Promise<number> => {
    const started = Date.now();
    while ((await prisma.outboxEvent.count({ where: { publishedAt: null } })) > 0) {
      if (Date.now() - started > 60_000) throw new Error('the outbox relay did not catch up within 60 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    return (Date.now() - started) / 1000;
  };

  const runGateway = (label: string, mode: LoadMode, opts: { repeatCallSid?: string; record?: boolean } = {}) =>
    load(label, gateway.port, inbound(mode, opts.repeatCallSid), mode, twiml, opts.record);
  const warm = await runGateway('gateway warm-up', max(SECONDS.warmup), { record: false });
  await relayCatchUp();
  const gatewayMax = await runGateway('gateway webhook    max', max(SECONDS.max));
  const lagAfterMax = await relayCatchUp();
  const gatewayRate = await runGateway(`gateway webhook    @${RATE} rps`, rate(SECONDS.rate));
  const lagAfterRate = await relayCatchUp();
  const retriedSid = newCallSid();
  const retry = await runGateway('gateway retry      max (one CallSid)', max(SECONDS.retry), { repeatCallSid: retriedSid });

  // Each new call answered with TwiML opened exactly one session and one call event; retries opened none. A request
  // the generator gave up on may still have been served, so those widen the bound instead of failing it.
  await relayCatchUp();
  const distinct = [warm, gatewayMax, gatewayRate];
  // A run that outlasts its pre-signed requests sends some CallSids again: retries, answered without a new session.
  const answered = distinct.reduce((n, r) => n + r.ok - r.reused, 0) + (retry.ok > 0 ? 1 : 0);
  const unsure = distinct.reduce((n, r) => n + r.errors, 0);
  const sessions = await prisma.callSession.count();
  const events = await prisma.outboxEvent.count({ where: { topic: TOPICS.callLifecycle } });
  const retrySessions = await prisma.callSession.count({ where: { providerCallId: retriedSid } });
  const consistent = sessions === events && sessions >= answered && sessions <= answered + unsure && retrySessions === 1;

  // 3. Report.
  const ratio = gatewayMax.rps / baselineMax.rps;
  // What the ratio would be if the server had a core to itself: less sensitive to whatever else the machine runs.
  const cpuRatio = baselineMax.serverCpuMsPerRequest / gatewayMax.serverCpuMsPerRequest;
  const p99 = gatewayRate.latencyMs.p99;
  const rateHeld = gatewayRate.errors === 0 && gatewayRate.rps >= RATE * 0.98;
  const ratioMet = ratio >= GOALS.ratio && gatewayMax.errors === 0;
  const p99Met = p99 < GOALS.p99Ms && rateHeld;
  console.log(`webhook bench (signed Twilio inbound → session + outbox, PostgreSQL, ${busName})`);
  console.log(
    `load generator: separate process (child_process.fork), ${CONNECTIONS} keep-alive HTTP/1.1 connections, every request signed before the clock starts; ` +
      `${SECONDS.warmup} s warm-up per server; @${RATE} rps is open-loop, latency measured from when each request was due${QUICK ? '; --quick: short runs, noisy figures' : ''}`,
  );
  const cpus = availableParallelism();
  const busy = Math.max(loadAtStart, loadavg()[0]!) > cpus / 2;
  console.log(
    `machine: ${cpus} CPUs, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end` +
      (busy ? ' — something else was running: figures are low and noisy, compare the ratio and cpu ms/req' : ''),
  );
  console.log(formatTable(rows));
  console.log(`load generator CPU per request at baseline max: ${baselineMax.cpuMsPerRequest.toFixed(2)} ms (the server's: ${baselineMax.serverCpuMsPerRequest.toFixed(2)} ms)`);
  console.log(
    `ratio ${ratio.toFixed(2)} (goal ≥ ${GOALS.ratio}) ${verdict(ratioMet)} [by server CPU per request: ${cpuRatio.toFixed(2)}]   p99 at ${RATE} rps: ${p99.toFixed(1)} ms (goal < ${GOALS.p99Ms} ms) ${verdict(p99Met)}` +
      (rateHeld ? '' : ` — the gateway did not sustain ${RATE} rps without errors`),
  );
  console.log(
    `checks: ${sessions} sessions and ${events} call events for ${answered} new calls answered${unsure ? ` (+${unsure} unanswered)` : ''}, ` +
      `${retrySessions} session for the retried CallSid (${consistent ? 'consistent' : 'MISMATCH'}); ` +
      `outbox relay caught up ${lagAfterMax.toFixed(1)} s after the max run, ${lagAfterRate.toFixed(1)} s after the ${RATE} rps run`,
  );
  return flag('check') && !(ratioMet && p99Met && consistent) ? 1 : 0;
}

async function startHelloWorld(): Promise<{ port: number; close(): Promise<void> }> {
  const app = express();
  app.get('/', (_req, res) => {
    res.send('Hello World!');
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

bench.run(main);

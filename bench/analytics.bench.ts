/**
 * Analytics ingest: call events through a Kafka-protocol broker into PostgreSQL, in the consumer's batches.
 * Prints events/s and end-to-end lag (publish → batch committed in PostgreSQL) p50/p99. See bench/README.md.
 *
 *   npm run bench:analytics                print the figures (exit 0 unless the bench itself breaks)
 *   npm run bench:analytics -- --check     also exit 1 when a goal is missed
 *   npm run bench:analytics -- --quick     fewer calls, to check the bench works
 *   options: --rate <events/s> (default 5000), --calls <n> for the max run (default 3000)
 * Environment: BENCH_DATABASE_URL (server for the throw-away database; default postgresql://postgres@127.0.0.1:5432/postgres),
 * KAFKA_BROKERS (an existing broker; default: a librdkafka mock cluster started for the run).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import pino from 'pino';
import { ALL_TOPICS, newId } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { KafkaEventBus, namespacedBus, type EventBus } from '@callplane/events';
// The module itself, not the lib's index: that one pulls in jest helpers.
import { startKafkaMock } from '../libs/testing/src/kafka/kafka-mock';
import { subscribeCallEvents } from '../apps/analytics/src/consumers/call-events.consumer';
import { PriceBook } from '../apps/analytics/src/usecases/price-book';
import { benchRun } from './support/bench-run';
import type { ProducerJob, ProducerResult } from './support/analytics-producer.process';
import { createBenchDatabase } from './support/bench-database';
import { verdict } from './support/report';
import { benchArgs } from './support/args';

const { flag, option } = benchArgs();
const QUICK = flag('quick');
const RATE = option('rate', 5000);
const MAX_CALLS = option('calls', QUICK ? 300 : 3000);
const RATE_SECONDS = QUICK ? 3 : 10;
const EVENTS_PER_CALL = 11;
/**
 * The ratio to a bare kafkajs consumer of the same events on the same broker is the goal that compares across
 * machines; events/s is a note (this machine's speed varies severalfold between days).
 */
const GOALS = { ratioToBaseline: 0.5, eventsPerSecond: 5000, lagP99Ms: 1000 };

const bench = benchRun(1);
const { progress } = bench;

/** Wraps the bus so every committed batch reports its events' publish → commit lag (the handler resolves after the commit). */
function measuredBus(bus: EventBus, onCommitted: (lagsMs: number[]) => void, batchSizes: number[], batchMs: number[]): EventBus {
  return {
    ...bus,
    publish: (t, e) => bus.publish(t, e),
    subscribe: (s) => bus.subscribe(s),
    ping: () => bus.ping(),
    close: () => bus.close(),
    subscribeBatch: (sub) =>
      bus.subscribeBatch!({
        ...sub,
        handler: async (events) => {
          const started = performance.now();
          await sub.handler(events);
          batchMs.push(performance.now() - started);
          batchSizes.push(events.length);
          const now = Date.now();
          onCommitted(events.map((e) => now - Date.parse(e.occurred_at)));
        },
      }),
  };
}

function produce(job: ProducerJob): Promise<ProducerResult> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(__dirname, 'support/analytics-producer.process.ts'), [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child.once('message', (msg: { result?: ProducerResult; error?: string }) => (msg.result ? resolve(msg.result) : reject(new Error(`producer failed: ${msg.error}`))));
    child.once('exit', (code) => code !== 0 && reject(new Error(`producer exited with ${code}`)));
    child.send(job);
  });
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;

async function main(): Promise<number> {
  const loadAtStart = loadavg()[0]!;
  let brokers = process.env.KAFKA_BROKERS?.split(',').map((b) => b.trim()).filter(Boolean);
  const namespace = `bench-${randomUUID().slice(0, 8)}`;
  // The baseline's own topics: the analytics consumer never sees its events.
  const baselineNamespace = `${namespace}-baseline`;
  if (!brokers?.length) {
    progress('starting the Kafka mock cluster (librdkafka), 3 brokers, 6 partitions per topic');
    const mock = await startKafkaMock({ brokers: 3, topics: [namespace, baselineNamespace].flatMap((ns) => ALL_TOPICS.map((t) => ({ name: `${ns}.${t}`, partitions: 6 }))) });
    bench.onCleanup(() => mock.stop());
    brokers = mock.bootstrap.split(',');
  }
  progress('creating and migrating the bench database');
  const database = await createBenchDatabase(process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres');
  bench.onCleanup(() => database.drop());
  const db: Database = connectPostgres({ url: database.url, poolSize: 8 });
  bench.onCleanup(() => db.close());

  const logger = pino({ level: process.env.BENCH_LOG_LEVEL ?? 'warn' });
  // fetchMaxWaitMs: the mock answers a fetch at once when any of its partitions has data, else only after the full wait (real Kafka answers when data arrives).
  const kafka = new KafkaEventBus({ brokers, clientId: 'analytics-bench', logger, consumer: { fetchMaxWaitMs: 50, sessionTimeoutMs: 6_000, heartbeatIntervalMs: 1_000 } });
  bench.onCleanup(() => kafka.close());
  let lags: number[] = [];
  const batchSizes: number[] = [];
  const batchMs: number[] = [];
  let committed = 0;
  let lastCommitAt = 0;
  const bus = measuredBus(namespacedBus(kafka, namespace), (batchLags) => {
    lags.push(...batchLags);
    committed += batchLags.length;
    lastCommitAt = Date.now();
  }, batchSizes, batchMs);
  const tenantId = newId('tenant');
  const prices = new PriceBook();
  await subscribeCallEvents(bus, db.prisma, prices, logger, { maxBatchSize: 500 });

  const waitFor = async (total: number) => {
    const deadline = Date.now() + 120_000;
    while (committed < total) {
      if (Date.now() > deadline) throw new Error(`only ${committed} of ${total} events were committed within 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const sessions = (n: number) => Array.from({ length: n }, () => newId('callSession'));
  const rows: string[] = [];
  const cpuRows: string[] = [];
  let batchesAtStart = 0;
  let cpuAtStart = process.cpuUsage();
  const startRun = () => {
    lags = [];
    committed = 0;
    batchesAtStart = batchSizes.length;
    cpuAtStart = process.cpuUsage();
  };
  // CPU as a share of one core over the run (first send → last commit); the producer's over its own sending time.
  const record = (label: string, produced: ProducerResult, seconds: number) => {
    const events = produced.sent;
    const sorted = [...lags].sort((a, b) => a - b);
    const line = { label, events, eps: events / seconds, p50: percentile(sorted, 50), p99: percentile(sorted, 99), max: sorted[sorted.length - 1] ?? NaN };
    rows.push(`${label.padEnd(26)}${String(events).padStart(8)}${line.eps.toFixed(0).padStart(10)}${line.p50.toFixed(0).padStart(9)}${line.p99.toFixed(0).padStart(9)}${line.max.toFixed(0).padStart(9)}`);
    const cpu = process.cpuUsage(cpuAtStart);
    const sizes = batchSizes.slice(batchesAtStart);
    const txMs = batchMs.slice(batchesAtStart).sort((a, b) => a - b);
    const consumerCpu = (cpu.user + cpu.system) / 1000 / (seconds * 1000);
    cpuRows.push(
      `${label.padEnd(26)}producer sent ${(events / produced.seconds).toFixed(0)} events/s using ${((produced.cpuMs / (produced.seconds * 1000)) * 100).toFixed(0)}% of a core; ` +
        `consumer ${(consumerCpu * 100).toFixed(0)}% of a core (${((cpu.user + cpu.system) / 1000 / events).toFixed(3)} ms/event); ` +
        `${sizes.length} batches, mean ${(sizes.reduce((a, b) => a + b, 0) / Math.max(1, sizes.length)).toFixed(0)} events, ` +
        `transaction p50 ${percentile(txMs, 50).toFixed(0)} ms, p99 ${percentile(txMs, 99).toFixed(0)} ms`,
    );
    return line;
  };

  progress('warm-up: 100 calls');
  await produce({ brokers, namespace, tenantId, sessions: sessions(100), rate: 0 });
  await waitFor(100 * EVENTS_PER_CALL);

  const all: string[] = [];
  progress(`max: ${MAX_CALLS} calls (${MAX_CALLS * EVENTS_PER_CALL} events) as fast as the producer sends them`);
  startRun();
  const maxSessions = sessions(MAX_CALLS);
  all.push(...maxSessions);
  const maxProduced = await produce({ brokers, namespace, tenantId, sessions: maxSessions, rate: 0 });
  await waitFor(maxProduced.sent);
  const max = record('max (closed backlog)', maxProduced, (lastCommitAt - maxProduced.startedAt) / 1000);
  progress(`  producer sent ${(maxProduced.sent / maxProduced.seconds).toFixed(0)} events/s`);

  progress(`baseline: a bare kafkajs consumer (no database) reading ${MAX_CALLS} calls' events and committing offsets`);
  const baseline = await bareConsumerRun(brokers, baselineNamespace, tenantId, sessions(MAX_CALLS));

  const rateCalls = Math.ceil((RATE * RATE_SECONDS) / EVENTS_PER_CALL);
  progress(`rate: ${RATE} events/s for ${RATE_SECONDS} s (${rateCalls} calls)`);
  startRun();
  const rateSessions = sessions(rateCalls);
  all.push(...rateSessions);
  const rateProduced = await produce({ brokers, namespace, tenantId, sessions: rateSessions, rate: RATE });
  await waitFor(rateProduced.sent);
  const paced = record(`@${RATE} events/s`, rateProduced, (lastCommitAt - rateProduced.startedAt) / 1000);

  // Every call of the measured runs is one complete, rated session.
  const complete = await db.prisma.sessionView.count({ where: { id: { in: all }, status: 'completed', usageReportSeq: 3, durationSeconds: 105 } });
  const consistent = complete === all.length;

  console.log(`analytics bench (call.lifecycle + call.transcript + call.usage → batches of ≤ 500 → PostgreSQL; Kafka ${process.env.KAFKA_BROKERS ? brokers.join(',') : 'mock cluster, 3 brokers, 6 partitions'})`);
  console.log(`producer: separate process (kafkajs), ${EVENTS_PER_CALL} events per call, 100 calls interleaved; lag = occurred_at stamped at send → batch committed`);
  console.log(`machine: ${availableParallelism()} CPUs, load average ${loadAtStart.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end`);
  console.log(`${''.padEnd(26)}${'events'.padStart(8)}${'events/s'.padStart(10)}${'p50 ms'.padStart(9)}${'p99 ms'.padStart(9)}${'max ms'.padStart(9)}`);
  for (const r of rows) console.log(r);
  const rateKept = paced.eps >= RATE * 0.95;
  const ratio = max.eps / baseline.eps;
  const throughputMet = ratio >= GOALS.ratioToBaseline;
  const lagMet = paced.p99 < GOALS.lagP99Ms && rateKept;
  console.log(
    `baseline (bare kafkajs consumer, same events, same broker, offsets committed, no database): ${baseline.eps.toFixed(0)} events/s, ${baseline.cpuMsPerEvent.toFixed(3)} ms CPU/event`,
  );
  console.log(
    `throughput ${max.eps.toFixed(0)} events/s, ratio to the baseline ${ratio.toFixed(2)} (goal ≥ ${GOALS.ratioToBaseline}) ${verdict(throughputMet)}; ` +
      `note: ${GOALS.eventsPerSecond} events/s was the absolute goal (${max.eps >= GOALS.eventsPerSecond ? 'reached' : 'not reached'} on this machine)   ` +
      `lag p99 at ${RATE} events/s: ${paced.p99.toFixed(0)} ms (goal < ${GOALS.lagP99Ms} ms) ${verdict(lagMet)}`,
  );
  for (const r of cpuRows) console.log(r);
  console.log(`checks: ${complete} of ${all.length} calls are complete, rated sessions (${consistent ? 'consistent' : 'MISMATCH'})`);
  return flag('check') && !(throughputMet && lagMet && consistent) ? 1 : consistent ? 0 : 1;
}

/**
 * The baseline: the same producer and events on the same broker, read by a bare kafkajs consumer that only counts them
 * and commits offsets per batch, no database. Timed from the first send to the last event read.
 */
async function bareConsumerRun(brokers: string[], namespace: string, tenantId: string, sessionIds: string[]) {
  const kafka = new Kafka({ brokers, clientId: 'analytics-bench-baseline', logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${namespace}.baseline`, sessionTimeout: 6_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 50 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: ALL_TOPICS.map((t) => `${namespace}.${t}`), fromBeginning: true });
    let read = 0;
    let lastReadAt = 0;
    const cpuAtStart = process.cpuUsage();
    await consumer.run({
      eachBatchAutoResolve: true,
      eachBatch: async ({ batch, commitOffsetsIfNecessary }) => {
        read += batch.messages.length;
        lastReadAt = Date.now();
        await commitOffsetsIfNecessary();
      },
    });
    const produced = await produce({ brokers, namespace, tenantId, sessions: sessionIds, rate: 0 });
    const deadline = Date.now() + 120_000;
    while (read < produced.sent) {
      if (Date.now() > deadline) throw new Error(`the baseline consumer read ${read} of ${produced.sent} events within 120 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
    const cpu = process.cpuUsage(cpuAtStart);
    return { eps: produced.sent / ((lastReadAt - produced.startedAt) / 1000), cpuMsPerEvent: (cpu.user + cpu.system) / 1000 / produced.sent };
  } finally {
    await consumer.disconnect();
  }
}

bench.run(main);

/**
 * The load generator, run as its own process (child_process.fork from the bench) so it never shares an event
 * loop with the server it measures. It receives one LoadJob over IPC, signs every request before the clock
 * starts, runs, answers one LoadResult and exits.
 */
import { performance } from 'node:perf_hooks';
import { HttpConnection, type Answer } from './http-connection';
import type { LoadJob, LoadResult } from './load-types';
import { buildRequests } from './twilio-requests';

/** Answers still missing this long after the last request was due count as errors. */
const DRAIN_TIMEOUT_MS = 15_000;

async function run(job: LoadJob): Promise<LoadResult> {
  const prepStart = performance.now();
  const requests = buildRequests(job.plan, job.host, job.port);
  const prepareMs = performance.now() - prepStart;
  let sent = 0;
  const nextRequest = () => requests[sent++ % requests.length]!;

  const latencies: number[] = [];
  let completed = 0;
  let completedInWindow = 0;
  let ok = 0;
  let errors = 0;
  let firstError: string | undefined;
  let inFlight = 0;
  let t0 = 0;
  let end = Infinity;
  let lastAnswerAt = 0;

  const { mode } = job;
  const idle: HttpConnection[] = [];
  const onAnswer = (conn: HttpConnection, answer: Answer | Error, startedAt: number) => {
    const now = performance.now();
    lastAnswerAt = now;
    inFlight--;
    completed++;
    if (now <= end) completedInWindow++;
    latencies.push(now - startedAt);
    const failure =
      answer instanceof Error
        ? answer.message
        : answer.status !== job.expect.status || (job.expect.bodyIncludes && !answer.body.includes(job.expect.bodyIncludes))
          ? `HTTP ${answer.status}: ${answer.body.slice(0, 300)}`
          : undefined;
    if (failure) {
      errors++;
      firstError ??= failure;
    } else ok++;
    idle.push(conn);
    pump();
  };
  const connections = Array.from({ length: mode.connections }, () => new HttpConnection(job.host, job.port, onAnswer));
  await Promise.all(connections.map((c) => c.open()));
  idle.push(...connections);

  // Work source: closed loop hands out "now" until the window ends; open loop hands out due times in order.
  const cpuBefore = process.cpuUsage();
  t0 = performance.now();
  end = t0 + mode.durationMs;
  const total = mode.kind === 'rate' ? Math.round((mode.rps * mode.durationMs) / 1000) : Infinity;
  const interval = mode.kind === 'rate' ? 1000 / mode.rps : 0;
  let issued = 0;
  const nextDue = (now: number): number | null => {
    if (mode.kind === 'max') return now < end ? now : null;
    if (issued >= total) return null;
    const due = t0 + issued * interval;
    return due <= now ? due : null;
  };

  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const exhausted = () => (mode.kind === 'max' ? performance.now() >= end : issued >= total);
  function pump(): void {
    const now = performance.now();
    for (let due = nextDue(now); due !== null && idle.length > 0; due = nextDue(now)) {
      issued++;
      inFlight++;
      idle.pop()!.send(nextRequest(), due);
    }
    if (inFlight === 0 && exhausted()) finish();
  }
  // The open loop needs a clock that runs while every connection is busy; the closed loop one to notice the end.
  const ticker = setInterval(pump, 1);
  pump();
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, mode.durationMs + DRAIN_TIMEOUT_MS).unref());
  await Promise.race([done, timeout]);
  clearInterval(ticker);
  for (const c of connections) c.close();
  const cpu = process.cpuUsage(cpuBefore);

  const unanswered = inFlight + (mode.kind === 'rate' ? total - issued : 0);
  if (unanswered > 0) {
    errors += unanswered;
    firstError ??= `${unanswered} request(s) unanswered ${DRAIN_TIMEOUT_MS / 1000} s after the run`;
  }
  // Closed loop: answers inside the window. Open loop: every answer, over however long they took to come.
  const rps = mode.kind === 'max' ? completedInWindow / (mode.durationMs / 1000) : completed / (Math.max(mode.durationMs, lastAnswerAt - t0) / 1000);
  return {
    mode: mode.kind,
    rps,
    offeredRps: mode.kind === 'rate' ? mode.rps : undefined,
    completed,
    ok,
    errors,
    firstError,
    latencyMs: summarize(latencies),
    prepared: requests.length,
    reused: job.plan.kind === 'twilio-inbound' && !job.plan.repeatCallSid ? Math.max(0, sent - requests.length) : 0,
    prepareMs,
    cpuMsPerRequest: (cpu.user + cpu.system) / 1000 / Math.max(1, completed),
  };
}

function summarize(values: number[]): LoadResult['latencyMs'] {
  if (values.length === 0) return { p50: NaN, p90: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(values).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: sorted[sorted.length - 1]!, mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
}

process.once('message', (job: LoadJob) => {
  run(job).then(
    (result) => process.send!({ result }, () => process.exit(0)),
    (err: unknown) => process.send!({ error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1)),
  );
});

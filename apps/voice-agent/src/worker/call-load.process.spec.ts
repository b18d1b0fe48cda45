import { FakeLiveKitAgentServer, freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');
const LIVEKIT = { apiKey: 'APIcallload', apiSecret: 'call-load-secret-0123456789abcdef0123' };
/** The worker is told it has two cores and is full at half of them: calls burning a quarter of a core fill it at about four. */
const CORES = 2;
const THRESHOLD = 0.5;
const BURN_MS_PER_100 = 25;
/** The worker's starting guess of a call's CPU, far below the truth: by it the worker would take some fifty calls. */
const GUESS = 0.02;
/**
 * How far the count of calls taken may be from the count one call's own CPU predicts, as a share of that CPU: the
 * worker reads CPU in 10 ms ticks every 2.5 s and averages it, and rightly charges calls with the CPU of forking the
 * warm process that replaces the one a call took. The burst starts once its estimate is within half of that.
 */
const TOLERANCE = 0.3;
const BURST = 12;

/** What a call (test/call-load/cpu-burn.job.ts) measured of itself. */
interface OwnCpu {
  pid: number;
  cpuSeconds: number;
  wallSeconds: number;
}

function ownCpu(dir: string, jobId: string): OwnCpu | null {
  try {
    return JSON.parse(readFileSync(path.join(dir, `${jobId}.json`), 'utf8')) as OwnCpu;
  } catch {
    return null;
  }
}

function gauge(metrics: string, name: string): number {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics);
  if (!m) throw new Error(`no ${name} in /metrics:\n${metrics}`);
  return Number(m[1]);
}

/**
 * The voice agent's LiveKit worker in its own process (under tsx), against a fake of LiveKit's agent endpoint, with job
 * processes that burn a set share of a core: the load it reports counts every call in hand at the CPU it measured one
 * call to use, so a burst of offers is taken only up to the threshold, the rest refused, and LiveKit told it is full.
 */
describe("voice-agent worker's load: calls in hand at their measured CPU (own processes, fake LiveKit)", () => {
  jest.setTimeout(240_000);
  const fake = new FakeLiveKitAgentServer({ ...LIVEKIT, timeoutMs: 20_000 });
  const dir = mkdtempSync(path.join(tmpdir(), 'call-load-'));
  let proc: ChildService | undefined;

  beforeAll(() => fake.start());
  afterAll(async () => {
    // The worker's process group: it and the job and inference processes it forked.
    await proc?.stop('SIGKILL');
    await fake.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('learns what a call costs, takes a burst of offers up to the threshold, refuses the rest and reports full', async () => {
    const [metricsPort, healthPort] = [await freePort(), await freePort()];
    proc = startChild(process.execPath, ['--import', 'tsx', 'apps/voice-agent/test/call-load/worker.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LIVEKIT_URL: fake.url,
        LIVEKIT_API_KEY: LIVEKIT.apiKey,
        LIVEKIT_API_SECRET: LIVEKIT.apiSecret,
        AGENT_HEALTH_PORT: String(healthPort),
        AGENT_LOAD_THRESHOLD: String(THRESHOLD),
        AGENT_CPU_PER_CALL: String(GUESS),
        CALL_LOAD_CORES: String(CORES),
        METRICS_PORT: String(metricsPort),
        CPU_BURN_MS: String(BURN_MS_PER_100),
        CPU_BURN_DIR: dir,
      },
    });
    const withOutput = (err: Error): never => {
      throw new Error(`${err.message}\n--- worker output ---\n${proc!.output()}`);
    };
    const metrics = () => fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    const worker = await fake.waitForWorker((w) => w.agentName === 'voice-agent', 'the worker to register', 60_000).catch(withOutput);

    // Reports with no call: the worker measures its own CPU, which no call is charged with. (Its first reports can say
    // full: starting its processes under tsx takes the cores for a while, and the measured CPU counts too.)
    const quiet = () => worker.statusUpdates.length >= 4 && worker.statusUpdates.slice(-2).every((u) => u.load < THRESHOLD / 2);
    await pollUntil(() => quiet() || null, { timeoutMs: 90_000, description: 'the idle worker to report a low load' }).catch(withOutput);

    const first = await fake.offerJob({ roomName: 'load-1', agentName: 'voice-agent', assign: true });
    expect(first.available).toBe(true);
    // Its estimate of a call leaves the guess for what the running call says it uses.
    const call = await pollUntil(
      async () => {
        const own = ownCpu(dir, first.jobId);
        if (!own || own.wallSeconds < 5) return null;
        const rate = own.cpuSeconds / own.wallSeconds;
        const estimate = gauge(await metrics(), 'voice_agent_cpu_per_call_seconds');
        // And no spike in the last measure (the warm process replacing the one the call took, starting).
        return Math.abs(estimate - rate) <= (TOLERANCE / 2) * rate && quiet() ? { rate, estimate } : null;
      },
      { timeoutMs: 150_000, intervalMs: 500, description: "the worker's measure of a call to come within 15 % of the call's own" },
    ).catch(withOutput);
    expect(call.rate).toBeGreaterThan(GUESS * 5);
    const base = gauge(await metrics(), 'voice_agent_base_cpu_seconds');
    expect(base).toBeLessThan(THRESHOLD * CORES);

    // A burst, answered before any of its calls costs anything (and before the next report to LiveKit).
    const reportsBefore = worker.statusUpdates.length;
    expect(worker.statusUpdates.at(-1)).toMatchObject({ status: 'WS_AVAILABLE' });
    const answers: boolean[] = [];
    for (let i = 2; i <= BURST; i++) answers.push((await fake.offerJob({ roomName: `load-${i}`, agentName: 'voice-agent', assign: true })).available);
    const accepted = 1 + answers.filter(Boolean).length;
    // Each offer is taken while (base + calls in hand × one call) / cores is below the threshold.
    const predicted = (perCall: number) => Math.ceil((THRESHOLD * CORES - base) / perCall);
    expect(accepted).toBeGreaterThanOrEqual(predicted(call.rate * (1 + TOLERANCE)));
    expect(accepted).toBeLessThanOrEqual(predicted(call.rate * (1 - TOLERANCE)));
    expect(answers).toEqual([...Array<boolean>(accepted - 1).fill(true), ...Array<boolean>(BURST - accepted).fill(false)]);

    // LiveKit hears it at the next report.
    const full = await pollUntil(() => worker.statusUpdates.slice(reportsBefore).find((u) => u.status === 'WS_FULL'), {
      timeoutMs: 20_000,
      description: 'a report of WS_FULL after the burst',
    }).catch(withOutput);
    expect(full.load).toBeGreaterThanOrEqual(THRESHOLD);
  });
});

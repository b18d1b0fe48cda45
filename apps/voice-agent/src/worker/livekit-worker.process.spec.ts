import { FakeLiveKitAgentServer, freePort, pollUntil, startChild, type ChildService } from '@callplane/testing';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../../..');

/** A line as the service's own logger writes it: JSON, `level` as its label, ISO `time`, the service named. */
function inOurFormat(line: string): boolean {
  try {
    const r = JSON.parse(line) as Record<string, unknown>;
    return typeof r.level === 'string' && typeof r.time === 'string' && new Date(r.time).toISOString() === r.time && r.service === 'voice-agent' && !('hostname' in r);
  } catch {
    return false;
  }
}
/** The LiveKit Agents framework's own lines, from every process. */
function frameworkLines(output: string): Array<Record<string, unknown>> {
  return output
    .split('\n')
    .filter(inOurFormat)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((r) => r.component === 'livekit-agents');
}
const LIVEKIT = { apiKey: 'APIworkerproc', apiSecret: 'worker-process-secret-0123456789abcdef' };

/**
 * The voice agent's production bundle (`node dist/apps/voice-agent/main.js`) with LiveKit configured, against a fake
 * of LiveKit's agent endpoint: it registers for explicit dispatch as `voice-agent`, its warm job processes load the
 * job entry bundled beside it (and Silero with it), it takes offered calls, and SIGTERM drains it.
 */
describe('voice-agent as a LiveKit worker (built bundle, own process)', () => {
  jest.setTimeout(120_000);
  const fake = new FakeLiveKitAgentServer(LIVEKIT);
  const distDir = path.join(ROOT, 'dist', `test-worker-${process.pid}-${randomBytes(3).toString('hex')}`);
  let proc: ChildService | undefined;
  // Workers of earlier tests stay listed by the fake.
  const seen = new Set<string>();

  beforeAll(async () => {
    await fake.start();
    execFileSync(process.execPath, ['scripts/build.mjs', '--dist', distDir, 'voice-agent'], { cwd: ROOT, stdio: 'pipe' });
  });
  afterAll(async () => {
    await proc?.stop('SIGKILL');
    await fake.stop();
    rmSync(distDir, { recursive: true, force: true });
  });

  /** The bundle with LiveKit configured, and what `env` adds or changes. */
  async function startService(env: NodeJS.ProcessEnv): Promise<{ proc: ChildService; healthPort: number }> {
    const [port, healthPort] = [await freePort(), await freePort()];
    proc = startChild(process.execPath, [path.join(distDir, 'apps/voice-agent/main.js')], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ADMIN_TOKEN: randomBytes(16).toString('hex'),
        // The framework's debug lines say when a job process has loaded the entry and run its prewarm.
        AGENTS_LOG: 'debug',
        DATABASE_URL: process.env.DATABASE_URL,
        DATABASE_POOL_SIZE: '2',
        KAFKA_BROKERS: process.env.KAFKA_BROKERS,
        KAFKA_IDEMPOTENT: 'false',
        KAFKA_NAMESPACE: `worker${randomBytes(4).toString('hex')}`,
        LIVEKIT_URL: fake.url,
        LIVEKIT_API_KEY: LIVEKIT.apiKey,
        LIVEKIT_API_SECRET: LIVEKIT.apiSecret,
        AGENT_HEALTH_PORT: String(healthPort),
        AGENT_IDLE_PROCESSES: '1',
        SHUTDOWN_GRACE_SECONDS: '20',
        ...env,
      },
    });
    return { proc, healthPort };
  }

  it('registers as voice-agent, prewarms job processes from job.js, accepts calls, and drains on SIGTERM', async () => {
    const { proc, healthPort } = await startService({});
    const worker = await fake.waitForWorker((w) => w.agentName === 'voice-agent', 'the voice agent to register', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- voice-agent output ---\n${proc.output()}`);
    });
    seen.add(worker.workerId);
    expect(worker).toMatchObject({ type: 'JT_ROOM', connected: true });

    // LiveKit Agents' own health server, on the configured port.
    const info = await pollUntil(() => fetch(`http://127.0.0.1:${healthPort}/worker`).then((r) => (r.ok ? (r.json() as Promise<Record<string, unknown>>) : null), () => null), {
      description: 'the agent health server',
    });
    expect(info).toMatchObject({ agent_name: 'voice-agent', active_jobs: 0 });

    // A warm process has imported dist/apps/voice-agent/job.js and loaded Silero.
    await pollUntil(() => /job runner initialized/.test(proc!.output()) || null, { timeoutMs: 60_000, description: 'a job process to prewarm' });

    const offer = await fake.offerJob({ roomName: 'call-proc-1', agentName: 'voice-agent', metadata: '{}' });
    expect(offer).toMatchObject({ available: true, participantAttributes: { 'lk.agent.name': 'voice-agent' } });

    proc.child.kill('SIGTERM');
    expect(await fake.waitForStatus(worker.workerId, 'WS_FULL', 20_000)).toMatchObject({ status: 'WS_FULL' });
    expect(await proc.exited).toBe(0);
    await fake.waitForDisconnect(worker.workerId, 10_000);
    expect(proc.output()).not.toMatch(/"level":"(error|fatal)"|"level":(50|60)\b/);

    // One log format from every process, the framework's lines included: the worker's, its job process's and its
    // inference process's (AGENTS_LOG=debug above makes each of them speak).
    const lines = proc.output().split('\n').filter((l) => l.trim() !== '');
    expect(lines.filter((l) => !inOurFormat(l))).toEqual([]);
    const framework = frameworkLines(proc.output());
    const pids = new Set(framework.map((r) => r.pid).filter((pid) => pid !== undefined));
    expect(framework.map((r) => r.msg)).toEqual(expect.arrayContaining(['starting worker', 'job runner initialized', 'all inference runners initialized']));
    expect(pids.size).toBeGreaterThanOrEqual(2);
  });

  it('with AGENT_JOBS_PER_PROCESS=2, runs two calls in one job host (job-host.js beside the bundle), and still drains on SIGTERM', async () => {
    const { proc } = await startService({ AGENT_JOBS_PER_PROCESS: '2' });
    const worker = await fake.waitForWorker((w) => w.agentName === 'voice-agent' && w.connected && !seen.has(w.workerId), 'the voice agent to register', 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\n--- voice-agent output ---\n${proc.output()}`);
    });
    seen.add(worker.workerId);
    await pollUntil(() => /job runner initialized/.test(proc.output()) || null, { timeoutMs: 60_000, description: 'a job host to prewarm' });

    // Assigned, the jobs start (job.js's entry then fails to join a room the fake has no media server for).
    const offers = [];
    for (const room of ['call-host-1', 'call-host-2']) offers.push(await fake.offerJob({ roomName: room, agentName: 'voice-agent', metadata: '{}', assign: true }));
    const started = () =>
      frameworkLines(proc.output())
        .filter((r) => r.msg === 'job started')
        .map((r) => ({ job: r.jobID, pid: r.pid }));
    await pollUntil(() => started().length === 2 || null, { timeoutMs: 60_000, description: 'both jobs to start' });
    expect(started().map((s) => s.job).sort()).toEqual(offers.map((o) => o.jobId).sort());
    const [first, second] = started();
    expect(second!.pid).toBe(first!.pid);
    expect(first!.pid).not.toBe(proc.child.pid);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
  });
});

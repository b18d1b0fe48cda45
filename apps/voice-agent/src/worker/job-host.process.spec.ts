import { FakeLiveKitAgentServer, freePort, pollUntil, type FakeJobOffer } from '@callplane/testing';
import { AGENT_WORKER_ENV, loadEnv } from '@callplane/config';
import { createLogger } from '@callplane/service-kit';
import { initializeLogger } from '@livekit/agents';
import path from 'node:path';
import { workerSettingsFrom } from '../config';
import type { HostedJobEnded } from './job-host-pool';
import { LiveKitWorker, VOICE_AGENT_NAME } from './livekit-worker';

const LIVEKIT = { apiKey: 'APIjobhosts', apiSecret: 'job-host-secret-0123456789abcdefghij' };
/** Its jobs' metadata says what each does (test/fixtures/job-host-agent.ts). */
const AGENT_FILE = path.resolve(__dirname, '../../test/fixtures/job-host-agent.ts');

/**
 * Several calls per process: the real LiveKit Agents worker (this process) against a fake of LiveKit's agent
 * endpoint, its jobs run by job hosts (job-host.ts, real child processes under tsx) speaking the framework's own job
 * protocol. What each job does is its part in the fixture agent.
 */
describe('job hosts: several calls per process, one call crashing alone', () => {
  jest.setTimeout(120_000);
  let fake: FakeLiveKitAgentServer;
  let worker: LiveKitWorker | undefined;
  let fatal: unknown[] = [];

  beforeAll(() => initializeLogger({ pretty: false, level: 'warn' }));
  beforeEach(async () => {
    fake = new FakeLiveKitAgentServer({ ...LIVEKIT, timeoutMs: 60_000 });
    await fake.start();
  });
  afterEach(async () => {
    // The jobs that stay are ended by the close that follows the (immediately over) grace.
    await worker?.drain(1);
    worker = undefined;
    await fake.stop();
    expect(fatal).toEqual([]);
    fatal = [];
  });

  async function startWorker(jobsPerProcess: number): Promise<{ ended: HostedJobEnded[] }> {
    worker = new LiveKitWorker({
      // The variables' defaults (the load settings, unused with loadFunc given), then this test's own.
      ...workerSettingsFrom(loadEnv(AGENT_WORKER_ENV, {})),
      livekit: { url: fake.url, ...LIVEKIT },
      logger: createLogger({ name: 'voice-agent', level: 'warn' }),
      agentFile: AGENT_FILE,
      idleProcesses: 1,
      jobsPerProcess,
      healthPort: await freePort(),
      loadFunc: async () => 0,
      logPreload: null,
    });
    const ended: HostedJobEnded[] = [];
    worker.jobHosts!.on('jobEnded', (job) => ended.push(job));
    worker.start((err) => fatal.push(err));
    await fake.waitForWorker((w) => w.agentName === VOICE_AGENT_NAME && w.connected, 'the worker to register');
    return { ended };
  }

  async function offer(roomName: string, part: object): Promise<FakeJobOffer> {
    const o = await fake.offerJob({ roomName, agentName: VOICE_AGENT_NAME, metadata: JSON.stringify(part), assign: true });
    expect(o).toMatchObject({ available: true, assigned: true });
    return o;
  }

  it('ten calls in one process, one throwing from its own timer: it alone is reported crashed, the nine finish after it in the same process', async () => {
    const { ended } = await startWorker(10);
    for (let i = 0; i < 9; i++) await offer(`call-${i}`, { part: 'finish' });
    await offer('call-crash', { part: 'crash', peers: 10 });

    await pollUntil(() => ended.length === 10 || null, { timeoutMs: 60_000, description: 'all ten jobs to end' });
    const crashed = ended.find((j) => j.roomName === 'call-crash');
    expect(crashed).toMatchObject({ code: 1, signal: null, done: false, withHost: false });
    // The nine waited for the crash: they ended after it, each with its `done`, in the process it happened in.
    expect(ended[0]).toBe(crashed);
    const nine = ended.slice(1);
    expect(nine.map((j) => j.roomName).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `call-${i}`));
    for (const job of nine) expect(job).toMatchObject({ code: 0, signal: null, done: true, withHost: false, pid: crashed!.pid });
    await pollUntil(() => worker!.activeCalls === 0 || null, { timeoutMs: 60_000, description: 'the worker to count no call' });
  });

  it('an exception no call owns ends its process and every call in it, each reported ended; a fresh process takes the next call', async () => {
    const { ended } = await startWorker(10);
    await offer('stay-1', { part: 'stay' });
    await offer('stay-2', { part: 'stay' });
    await offer('host-crash', { part: 'crash-host', peers: 3 });

    // The host's warm slot, which had no job yet, ends with it too.
    const jobs = () => ended.filter((j) => j.jobId !== undefined);
    await pollUntil(() => jobs().length === 3 || null, { timeoutMs: 60_000, description: 'the three jobs to end with their host' });
    const pid = ended[0]!.pid;
    for (const job of ended) expect(job).toMatchObject({ pid, code: 1, done: false, withHost: true });
    expect(jobs().map((j) => j.roomName).sort()).toEqual(['host-crash', 'stay-1', 'stay-2']);
    await pollUntil(() => worker!.activeCalls === 0 || null, { timeoutMs: 60_000, description: 'the worker to count no call' });
    expect(worker!.jobHosts!.hostPids).not.toContain(pid);

    // The warm slot died with the host; the next call gets one in a new host.
    await offer('after', { part: 'stay' });
    await pollUntil(() => worker!.activeCalls === 1 || null, { timeoutMs: 60_000, description: 'the next call to run' });
    expect(worker!.jobHosts!.hostPids).toEqual([expect.any(Number)]);
    expect(worker!.jobHosts!.hostPids).not.toContain(pid);
  });

  it('a call the worker kills (LiveKit ended it and its close never finishes) ends alone: its host and the call beside it go on', async () => {
    const { ended } = await startWorker(10);
    await offer('stay', { part: 'stay' });
    const stuck = await offer('stuck', { part: 'stuck' });
    await pollUntil(() => worker!.activeCalls === 2 || null, { timeoutMs: 60_000, description: 'both calls to run' });

    // The framework asks the job to close, waits its close timeout, then kills its "process": the slot.
    fake.terminateJob(stuck.jobId);
    await pollUntil(() => ended.length === 1 || null, { timeoutMs: 60_000, description: 'the stuck job to be killed' });
    expect(ended[0]).toMatchObject({ roomName: 'stuck', code: null, signal: 'SIGKILL', done: false, withHost: false });
    expect(worker!.jobHosts!.hostPids).toContain(ended[0]!.pid);
    await pollUntil(() => worker!.activeCalls === 1 || null, { timeoutMs: 60_000, description: 'the other call to be the only one' });
  });
});

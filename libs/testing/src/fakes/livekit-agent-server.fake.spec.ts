import { join } from 'node:path';
import { AgentServer, ServerOptions, initializeLogger, version as agentsVersion } from '@livekit/agents';
import { ServerMessage, WorkerMessage } from '@livekit/protocol';
import { AccessToken, type VideoGrant } from 'livekit-server-sdk';
import { WebSocket } from 'ws';
import { FakeLiveKitAgentServer } from './livekit-agent-server.fake';

const apiKey = 'APIagentfake';
const apiSecret = 'agent-fake-secret-at-least-32-characters';
const agentFile = join(__dirname, 'fixtures', 'noop-agent.mjs');

async function token(grant: VideoGrant, secret = apiSecret): Promise<string> {
  const at = new AccessToken(apiKey, secret);
  at.addGrant(grant);
  return at.toJwt();
}

/** Opens a raw worker socket; resolves with the socket once open, or with the HTTP status the upgrade got. */
function connect(url: string, headers: Record<string, string>): Promise<WebSocket | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}/agent`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (req, res) => {
      res.resume();
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    ws.once('error', reject);
  });
}

function nextServerMessage(ws: WebSocket): Promise<ServerMessage> {
  return new Promise((resolve) => ws.once('message', (data: Buffer) => resolve(ServerMessage.fromBinary(data))));
}

describe('FakeLiveKitAgentServer', () => {
  let fake: FakeLiveKitAgentServer;

  beforeAll(() => initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' }));
  beforeEach(async () => {
    fake = new FakeLiveKitAgentServer({ apiKey, apiSecret });
    await fake.start();
  });
  afterEach(() => fake.stop());

  describe('the /agent upgrade', () => {
    it.each([
      ['no authorization', async () => ({})],
      ['a token without the agent grant', async () => ({ authorization: `Bearer ${await token({ roomCreate: true, roomList: true })}` })],
      ['a token signed with another secret', async () => ({ authorization: `Bearer ${await token({ agent: true }, 'another-secret-at-least-32-characters')}` })],
    ])('refuses %s with 401', async (_name, headers) => {
      expect(await connect(fake.url, await headers())).toBe(401);
      expect(fake.refusedUpgrades).toEqual([expect.objectContaining({ path: '/agent', status: 401 })]);
      expect(fake.workers).toEqual([]);
    });

    it('answers register with a worker id and a ping with a pong', async () => {
      const ws = await connect(fake.url, { authorization: `Bearer ${await token({ agent: true })}` });
      if (typeof ws === 'number') throw new Error(`upgrade refused with ${ws}`);
      try {
        const registered = nextServerMessage(ws);
        ws.send(new WorkerMessage({ message: { case: 'register', value: { agentName: 'raw', version: '0.0.1' } } }).toBinary());
        const reg = (await registered).message;
        expect(reg.case).toBe('register');
        expect(reg.value).toMatchObject({ workerId: fake.workers[0]!.workerId, serverInfo: expect.objectContaining({ agentProtocol: 1 }) });

        const ponged = nextServerMessage(ws);
        ws.send(new WorkerMessage({ message: { case: 'ping', value: { timestamp: 1234n } } }).toBinary());
        expect((await ponged).message).toMatchObject({ case: 'pong', value: { lastTimestamp: 1234n } });
      } finally {
        ws.terminate();
      }
    });
  });

  describe('driven by a real AgentServer', () => {
    let server: AgentServer;
    let running: Promise<void>;
    let registeredAs: Promise<string>;

    beforeEach(() => {
      // @livekit/agents 1.8.1 leaves timers nothing can cancel: the 2.5 s load interval of #runWS clears itself only
      // on its first tick after the socket closed, and accepting a job starts a 7.5 s ASSIGNMENT_TIMEOUT that only a
      // JobAssignment clears (worker.ts #runWS, #availability). Faking setTimeout/setInterval (still advancing with
      // real time) lets afterEach drop them, so Jest exits at once.
      jest.useFakeTimers({ advanceTimers: true, doNotFake: ['Date', 'hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate'] });
      server = new AgentServer(
        new ServerOptions({
          agent: agentFile,
          agentName: 'test-agent',
          wsURL: fake.url,
          apiKey,
          apiSecret,
          numIdleProcesses: 0,
          // The default samples the CPU for 2.5 s per tick; outside production the threshold is Infinity anyway.
          loadFunc: async () => 0.25,
          host: '127.0.0.1',
          port: 0,
          maxRetry: 1,
        }),
      );
      registeredAs = new Promise((resolve) => server.event.once('worker_registered', resolve));
      running = server.run();
    });
    afterEach(async () => {
      // close() also ends the inference process run() forks for local EOT; called before run() it would never return.
      await server.close();
      await running;
      jest.clearAllTimers();
      jest.useRealTimers();
    });

    it('registers, takes a job, refuses jobs once draining, and disconnects on close', async () => {
      const worker = await fake.waitForWorker((w) => w.agentName === 'test-agent');
      expect(worker).toMatchObject({
        type: 'JT_ROOM',
        version: agentsVersion,
        connected: true,
        allowedPermissions: { canPublish: true, canSubscribe: true, canPublishData: true, canUpdateMetadata: true, hidden: false, agent: true },
      });
      expect(await registeredAs).toBe(worker.workerId);
      expect(server.id).toBe(worker.workerId);

      const offer = await fake.offerJob({ roomName: 'call-1', agentName: 'test-agent', metadata: '{"callId":"c1"}' });
      expect(offer).toMatchObject({
        workerId: worker.workerId,
        available: true,
        participantIdentity: `agent-${offer.jobId}`,
        participantAttributes: { 'lk.agent.name': 'test-agent' },
        assigned: false,
      });
      await expect(fake.offerJob({ roomName: 'call-2', agentName: 'another-agent' })).rejects.toThrow('no connected worker registered for agent "another-agent"');

      expect(worker.statusUpdates.filter((u) => u.status === 'WS_FULL')).toEqual([]);
      const draining = server.drain(5_000);
      expect(await fake.waitForStatus(worker.workerId, 'WS_FULL')).toEqual({ status: 'WS_FULL', load: 0, jobCount: 0 });
      await draining;
      expect(await fake.offerJob({ roomName: 'call-3', agentName: 'test-agent' })).toMatchObject({ available: false });
      expect(fake.offers.map((o) => [o.roomName, o.available])).toEqual([
        ['call-1', true],
        ['call-3', false],
      ]);

      await server.close();
      expect(await fake.waitForDisconnect(worker.workerId)).toMatchObject({ connected: false, closeCode: 1005 });
      expect(fake.workers).toHaveLength(1);
    });

    it('registers again after the server drops the connection', async () => {
      const first = await fake.waitForWorker((w) => w.agentName === 'test-agent');
      fake.disconnectAll();
      expect(await fake.waitForDisconnect(first.workerId)).toMatchObject({ closeCode: 1001 });
      // The worker retries after min(2 × attempt, 10) s: 2 s here.
      const second = await fake.waitForWorker((w) => w.connected && w.workerId !== first.workerId);
      expect(second.agentName).toBe('test-agent');
      expect(fake.workers.map((w) => w.connected)).toEqual([false, true]);
    });
  });
});

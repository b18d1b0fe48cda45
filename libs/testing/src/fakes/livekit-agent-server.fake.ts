import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AvailabilityRequest,
  Job,
  JobAssignment,
  JobState,
  JobStatus,
  JobTermination,
  JobType,
  RegisterWorkerResponse,
  Room,
  ServerInfo,
  ServerMessage,
  WorkerMessage,
  WorkerPong,
  WorkerStatus,
  type AvailabilityResponse,
} from '@livekit/protocol';
import { AccessToken, TokenVerifier } from 'livekit-server-sdk';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';

export interface FakeLiveKitAgentServerOptions {
  apiKey: string;
  apiSecret: string;
  /** How long `offerJob` and the `waitFor*` helpers wait by default. */
  timeoutMs?: number;
}

/** One `updateWorker` message. `status` is absent when the worker only reported its load. */
export interface FakeWorkerStatusUpdate {
  status?: keyof typeof WorkerStatus;
  load: number;
  jobCount: number;
}

/** A worker as its `register` message described it, plus what it reported since. */
export interface FakeAgentWorker {
  workerId: string;
  agentName: string;
  type: keyof typeof JobType;
  version: string;
  deployment: string;
  namespace?: string;
  allowedPermissions?: { canPublish: boolean; canSubscribe: boolean; canPublishData: boolean; canUpdateMetadata: boolean; hidden: boolean; agent: boolean };
  statusUpdates: FakeWorkerStatusUpdate[];
  connected: boolean;
  /** The WebSocket close code once `connected` is false. */
  closeCode?: number;
}

export interface FakeJobUpdate {
  workerId: string;
  jobId: string;
  status: keyof typeof JobStatus;
  error: string;
}

export interface OfferJobOptions {
  roomName: string;
  agentName?: string;
  metadata?: string;
  jobId?: string;
  /** Offer to this worker instead of the first connected one registered under `agentName`. */
  workerId?: string;
  /**
   * Send a `JobAssignment` after an accept. Off by default: the worker then launches a job process that joins the
   * room over WebRTC at `url` (default: the worker's own wsURL), which needs a real media server.
   */
  assign?: boolean | { url: string };
}

/** The worker's `AvailabilityResponse` to one offer. */
export interface FakeJobOffer {
  jobId: string;
  dispatchId: string;
  workerId: string;
  roomName: string;
  available: boolean;
  participantIdentity?: string;
  participantName?: string;
  participantMetadata?: string;
  participantAttributes: Record<string, string>;
  assigned: boolean;
}

export interface RefusedUpgrade {
  path: string;
  status: number;
  reason: string;
}

interface Connection {
  ws: WebSocket;
  worker?: FakeAgentWorker;
}

interface PendingOffer {
  conn: Connection;
  resolve: (r: AvailabilityResponse) => void;
  reject: (e: Error) => void;
}

interface Waiter {
  check: () => boolean;
  fail: (e: Error) => void;
}

const id = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;
const toBytes = (d: RawData): Uint8Array => (Array.isArray(d) ? Buffer.concat(d) : d instanceof ArrayBuffer ? new Uint8Array(d) : d);

/**
 * The LiveKit server's agent-worker endpoint (`/agent`) for tests, spoken to by a real `@livekit/agents` AgentServer:
 * binary protobuf `WorkerMessage`s in, `ServerMessage`s out, over a WebSocket whose upgrade must carry a JWT with
 * the `agent` grant (else 401). Records registrations, status and job updates; offers jobs on request.
 * Listens on 127.0.0.1, port 0 by default.
 */
export class FakeLiveKitAgentServer {
  readonly workers: FakeAgentWorker[] = [];
  readonly jobUpdates: FakeJobUpdate[] = [];
  readonly offers: FakeJobOffer[] = [];
  readonly refusedUpgrades: RefusedUpgrade[] = [];

  private readonly verifier: TokenVerifier;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly conns = new Set<Connection>();
  private readonly pending = new Map<string, PendingOffer>();
  private readonly jobConn = new Map<string, Connection>();
  private readonly waiters = new Set<Waiter>();
  private readonly timeoutMs: number;
  private server?: Server;
  private port = 0;

  constructor(private readonly opts: FakeLiveKitAgentServerOptions) {
    this.verifier = new TokenVerifier(opts.apiKey, opts.apiSecret);
    this.timeoutMs = opts.timeoutMs ?? 5_000;
  }

  /** What `ServerOptions.wsURL` takes: the worker swaps http for ws and appends `agent`. */
  get url(): string {
    if (!this.server) throw new Error('FakeLiveKitAgentServer is not started');
    return `http://127.0.0.1:${this.port}`;
  }

  async start(port = 0): Promise<string> {
    const server = createServer((_req, res) => res.writeHead(404).end());
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => void this.upgrade(req, socket, head));
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    this.server = server;
    this.port = (server.address() as { port: number }).port;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const w of [...this.waiters]) w.fail(new Error('FakeLiveKitAgentServer stopped'));
    for (const c of this.conns) c.ws.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    this.server = undefined;
  }

  /** Closes every worker connection as a server going away does (1001); workers then try to reconnect. */
  disconnectAll(): void {
    for (const c of this.conns) c.ws.close(1001, 'server going away');
  }

  /**
   * Sends an `AvailabilityRequest` for a room job to a registered worker of `agentName` and resolves with its answer.
   * Unlike the real server it offers to a worker that reported WS_FULL too, so a test can see the worker refuse.
   */
  async offerJob(o: OfferJobOptions): Promise<FakeJobOffer> {
    const agentName = o.agentName ?? '';
    const conn = [...this.conns].find((c) => c.worker?.agentName === agentName && (!o.workerId || c.worker.workerId === o.workerId));
    if (!conn?.worker) throw new Error(`no connected worker registered for agent "${agentName}"${o.workerId ? ` with id ${o.workerId}` : ''}`);
    const worker = conn.worker;
    const job = new Job({
      id: o.jobId ?? id('AJ'),
      dispatchId: id('AD'),
      type: JobType.JT_ROOM,
      room: new Room({ sid: id('RM'), name: o.roomName, creationTime: BigInt(Math.floor(Date.now() / 1000)) }),
      agentName,
      metadata: o.metadata ?? '',
      state: new JobState({ status: JobStatus.JS_PENDING, updatedAt: BigInt(Date.now()) * 1_000_000n }),
    });
    const answer = this.answerTo(job.id, conn, worker.workerId);
    this.jobConn.set(job.id, conn);
    this.send(conn, { case: 'availability', value: new AvailabilityRequest({ job }) });
    const r = await answer;
    const offer: FakeJobOffer = {
      jobId: job.id,
      dispatchId: job.dispatchId,
      workerId: worker.workerId,
      roomName: o.roomName,
      available: r.available,
      ...(r.available && {
        participantIdentity: r.participantIdentity,
        participantName: r.participantName,
        participantMetadata: r.participantMetadata,
      }),
      participantAttributes: { ...r.participantAttributes },
      assigned: false,
    };
    if (r.available && o.assign) {
      const token = await this.roomToken(o.roomName, r);
      const url = typeof o.assign === 'object' ? o.assign.url : undefined;
      this.send(conn, { case: 'assignment', value: new JobAssignment({ job, token, url }) });
      offer.assigned = true;
    }
    this.offers.push(offer);
    this.changed();
    return offer;
  }

  /** Asks the worker running `jobId` to end it (`JobTermination`). */
  terminateJob(jobId: string): void {
    const conn = this.jobConn.get(jobId);
    if (!conn) throw new Error(`job ${jobId} was never offered`);
    this.send(conn, { case: 'termination', value: new JobTermination({ jobId }) });
  }

  /** Resolves with the first worker (registered now or later, connected or not) matching `predicate`. */
  waitForWorker(predicate: (w: FakeAgentWorker) => boolean = () => true, what = 'a registered worker', timeoutMs = this.timeoutMs): Promise<FakeAgentWorker> {
    return this.until(what, () => this.workers.find(predicate), timeoutMs);
  }

  /** Resolves with the first `updateWorker` from `workerId` (since it registered) that reported `status`. */
  waitForStatus(workerId: string, status: keyof typeof WorkerStatus, timeoutMs = this.timeoutMs): Promise<FakeWorkerStatusUpdate> {
    const w = () => this.workers.find((x) => x.workerId === workerId);
    return this.until(`worker ${workerId} to report ${status}`, () => w()?.statusUpdates.find((u) => u.status === status), timeoutMs);
  }

  /** Resolves once the connection of `workerId` has closed. */
  waitForDisconnect(workerId: string, timeoutMs = this.timeoutMs): Promise<FakeAgentWorker> {
    return this.waitForWorker((w) => w.workerId === workerId && !w.connected, `worker ${workerId} to disconnect`, timeoutMs);
  }

  /** Resolves with the first `updateJob` for `jobId` (with `status`, when given). */
  waitForJobUpdate(jobId: string, status?: keyof typeof JobStatus, timeoutMs = this.timeoutMs): Promise<FakeJobUpdate> {
    const what = `an updateJob for ${jobId}${status ? ` with ${status}` : ''}`;
    return this.until(what, () => this.jobUpdates.find((u) => u.jobId === jobId && (!status || u.status === status)), timeoutMs);
  }

  private async upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A client that resets while its token is being checked must not crash the test process.
    socket.on('error', () => socket.destroy());
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    const refuse = (status: number, reason: string) => {
      this.refusedUpgrades.push({ path, status, reason });
      const text = status === 404 ? 'Not Found' : 'Unauthorized';
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
    };
    if (path !== '/agent') return refuse(404, `no route ${path}`);
    const auth = req.headers.authorization;
    if (!auth?.startsWith('Bearer ')) return refuse(401, 'missing authorization');
    try {
      const claims = await this.verifier.verify(auth.slice(7));
      if (!claims.video?.agent) return refuse(401, 'token lacks the agent grant');
    } catch (err) {
      return refuse(401, `invalid token: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    const conn: Connection = { ws };
    this.conns.add(conn);
    ws.on('message', (data, isBinary) => {
      let msg: WorkerMessage;
      try {
        msg = WorkerMessage.fromBinary(toBytes(data));
      } catch {
        return void ws.close(1007, 'not a WorkerMessage');
      }
      // agents-js sends binary frames only (worker.ts #runWS `ws.send(msg.toBinary())`).
      if (isBinary) this.receive(conn, msg);
    });
    ws.on('close', (code) => {
      this.conns.delete(conn);
      if (conn.worker) Object.assign(conn.worker, { connected: false, closeCode: code });
      for (const [jobId, p] of this.pending) if (p.conn === conn) p.reject(new Error(`worker disconnected before answering the offer of ${jobId}`));
      this.changed();
    });
  }

  private receive(conn: Connection, msg: WorkerMessage): void {
    const m = msg.message;
    // The real server expects `register` first and drops a worker that says anything else.
    if (!conn.worker && m.case !== 'register') return void conn.ws.close(1008, 'expected register first');
    switch (m.case) {
      case 'register': {
        const { agentName, version, deployment, namespace, allowedPermissions: p } = m.value;
        conn.worker = {
          workerId: id('AW'),
          agentName,
          type: JobType[m.value.type] as keyof typeof JobType,
          version,
          deployment,
          namespace,
          allowedPermissions: p && { canPublish: p.canPublish, canSubscribe: p.canSubscribe, canPublishData: p.canPublishData, canUpdateMetadata: p.canUpdateMetadata, hidden: p.hidden, agent: p.agent },
          statusUpdates: [],
          connected: true,
        };
        this.workers.push(conn.worker);
        const serverInfo = new ServerInfo({ version: 'fake', protocol: 16, agentProtocol: 1, nodeId: 'fake-node', region: 'local' });
        this.send(conn, { case: 'register', value: new RegisterWorkerResponse({ workerId: conn.worker.workerId, serverInfo }) });
        break;
      }
      case 'availability': {
        const p = this.pending.get(m.value.jobId);
        if (p?.conn === conn) p.resolve(m.value);
        break;
      }
      case 'updateWorker': {
        const { status, load, jobCount } = m.value;
        conn.worker!.statusUpdates.push({ ...(status !== undefined && { status: WorkerStatus[status] as keyof typeof WorkerStatus }), load, jobCount });
        break;
      }
      case 'updateJob':
        this.jobUpdates.push({ workerId: conn.worker!.workerId, jobId: m.value.jobId, status: JobStatus[m.value.status] as keyof typeof JobStatus, error: m.value.error });
        break;
      case 'ping':
        this.send(conn, { case: 'pong', value: new WorkerPong({ lastTimestamp: m.value.timestamp, timestamp: BigInt(Date.now()) }) });
        break;
    }
    this.changed();
  }

  private send(conn: Connection, message: ServerMessage['message']): void {
    conn.ws.send(new ServerMessage({ message }).toBinary());
  }

  /** The availability answer to `jobId` from `conn`, failing after the timeout or when the worker disconnects. */
  private answerTo(jobId: string, conn: Connection, workerId: string): Promise<AvailabilityResponse> {
    return new Promise((resolve, reject) => {
      const done = () => (clearTimeout(timer), this.pending.delete(jobId));
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${this.timeoutMs} ms waiting for worker ${workerId} to answer the offer of ${jobId}`));
      }, this.timeoutMs);
      this.pending.set(jobId, { conn, resolve: (r) => (done(), resolve(r)), reject: (e) => (done(), reject(e)) });
    });
  }

  /** The token the real server hands out in a JobAssignment: a room join for the identity the worker chose. */
  private roomToken(room: string, r: AvailabilityResponse): Promise<string> {
    const at = new AccessToken(this.opts.apiKey, this.opts.apiSecret, {
      identity: r.participantIdentity,
      name: r.participantName,
      metadata: r.participantMetadata,
      attributes: r.participantAttributes,
    });
    at.addGrant({ room, roomJoin: true, agent: true, canPublish: true, canSubscribe: true, canPublishData: true, canUpdateOwnMetadata: true });
    return at.toJwt();
  }

  /** Resolves when `find` returns something, re-checked on every message and disconnect; no polling. */
  private until<T>(what: string, find: () => T | undefined, timeoutMs: number): Promise<T> {
    const now = find();
    if (now !== undefined) return Promise.resolve(now);
    return new Promise<T>((resolve, reject) => {
      const waiter: Waiter = {
        check: () => {
          const found = find();
          if (found === undefined) return false;
          finish();
          resolve(found);
          return true;
        },
        fail: (e) => (finish(), reject(e)),
      };
      const timer = setTimeout(() => waiter.fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; workers: ${this.describe()}`)), timeoutMs);
      const finish = () => (clearTimeout(timer), this.waiters.delete(waiter));
      this.waiters.add(waiter);
    });
  }

  private changed(): void {
    for (const w of [...this.waiters]) w.check();
  }

  private describe(): string {
    if (this.workers.length === 0) return 'none';
    return this.workers
      .map((w) => `${w.workerId} "${w.agentName}" ${w.connected ? 'connected' : 'closed'} [${w.statusUpdates.map((u) => u.status ?? `load ${u.load}`).join(', ')}]`)
      .join('; ');
  }
}

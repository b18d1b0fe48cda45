import { randomBytes } from 'node:crypto';
import { TokenVerifier, type ClaimGrants } from 'livekit-server-sdk';
import { FakeHttpServer, type FakeResponse, type RecordedRequest } from './fake-http-server';

type Json = Record<string, unknown>;

/** A recorded request with its Twirp service/method and the grants of its (verified) token. */
export interface LiveKitRequest extends RecordedRequest {
  /** e.g. `SIP`, `RoomService`, `AgentDispatchService` (without the `livekit.` package). */
  service: string;
  /** e.g. `CreateSIPParticipant`. */
  rpc: string;
  /** Claims of the bearer token; `undefined` when it was missing or failed verification, or a fault answered first. */
  grants?: ClaimGrants;
}

export interface FakeSipParticipant {
  participantId: string;
  participantIdentity: string;
  roomName: string;
  sipCallId: string;
  sipTrunkId: string;
  /** The full CreateSIPParticipant request body. */
  request: Json;
}

export type FakeEgressStatus = 'EGRESS_STARTING' | 'EGRESS_ACTIVE' | 'EGRESS_ENDING' | 'EGRESS_COMPLETE' | 'EGRESS_FAILED' | 'EGRESS_ABORTED';

export interface FakeEgress {
  egressId: string;
  roomName: string;
  roomId: string;
  status: FakeEgressStatus;
  /** The full RoomCompositeEgressRequest body, file output and upload credentials included. */
  request: Json;
  /** The first file output of the request (`fileOutputs[0]`, else the legacy `file`), for assertions. */
  file?: Json;
  /** Unix nanoseconds, as strings (int64 in protobuf JSON). */
  startedAt: string;
  endedAt?: string;
}

export interface FakeLiveKitOptions {
  apiKey: string;
  apiSecret: string;
}

type Handler = (body: Json) => FakeResponse;
type Rpc = { grant: (c: ClaimGrants) => boolean; handle: Handler };

// Twirp error codes and the HTTP status each travels with (twitchtv/twirp errors.go ServerHTTPStatusFromErrorCode).
const TWIRP_HTTP: Record<string, number> = {
  invalid_argument: 400,
  malformed: 400,
  unauthenticated: 401,
  permission_denied: 403,
  not_found: 404,
  bad_route: 404,
  deadline_exceeded: 408,
  already_exists: 409,
  failed_precondition: 412,
  internal: 500,
  unavailable: 503,
};

export function twirpError(code: keyof typeof TWIRP_HTTP | string, msg: string, meta?: Record<string, string>): FakeResponse {
  return { status: TWIRP_HTTP[code] ?? 500, body: meta ? { code, msg, meta } : { code, msg } };
}

const SIP_REASONS: Record<number, string> = {
  403: 'Forbidden',
  404: 'Not Found',
  408: 'Request Timeout',
  480: 'Temporarily Unavailable',
  486: 'Busy Here',
  487: 'Request Terminated',
  503: 'Service Unavailable',
  600: 'Busy Everywhere',
  603: 'Decline',
};

/**
 * A failed outbound call the way livekit-server-sdk reads it: a Twirp error whose `meta` carries `sip_status_code`
 * and `sip_status` (the SDK turns that into `SipCallError.sipStatusCode`). The Twirp code per SIP status is our
 * best reading of livekit/protocol's SIPStatus → gRPC mapping, not checked against a live server.
 */
export function sipCallFailure(sipStatus: number, reason = SIP_REASONS[sipStatus] ?? 'Unknown'): FakeResponse {
  const code =
    sipStatus === 408 || sipStatus === 487
      ? 'deadline_exceeded'
      : sipStatus === 404
        ? 'not_found'
        : sipStatus === 403
          ? 'permission_denied'
          : [480, 486, 503, 600, 603].includes(sipStatus)
            ? 'unavailable'
            : 'internal';
  return twirpError(code, `INVITE failed: sip status: ${sipStatus}: ${reason}`, {
    sip_status_code: String(sipStatus),
    sip_status: reason,
  });
}

const id = (prefix: string): string => `${prefix}_${randomBytes(6).toString('hex')}`;
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');

/**
 * A stateful in-memory LiveKit server API (Twirp over HTTP) for tests, driven by the real livekit-server-sdk
 * clients: SIP trunks and dispatch rules, outbound SIP participants, rooms, agent dispatches and room composite
 * egress (recordings: nothing is recorded or uploaded, the request is kept for assertions). Every request
 * must carry a JWT signed with the configured key/secret (else 401 `unauthenticated`) holding the grant the real
 * server asks for (else 403 `permission_denied`).
 */
export class FakeLiveKit {
  readonly inboundTrunks: Json[] = [];
  readonly outboundTrunks: Json[] = [];
  readonly dispatchRules: Json[] = [];
  readonly rooms: Json[] = [];
  readonly dispatches: Json[] = [];
  readonly sipParticipants: FakeSipParticipant[] = [];
  readonly egresses: FakeEgress[] = [];

  private readonly server = new FakeHttpServer('livekit');
  private readonly verifier: TokenVerifier;
  private readonly grantsOf = new WeakMap<RecordedRequest, ClaimGrants>();
  private readonly sipFailures: FakeResponse[] = [];
  private readonly rpcs: Record<string, Rpc>;

  constructor(opts: FakeLiveKitOptions) {
    this.verifier = new TokenVerifier(opts.apiKey, opts.apiSecret);
    const sipAdmin = (c: ClaimGrants) => !!c.sip?.admin;
    const roomAdmin = (c: ClaimGrants) => !!c.video?.roomAdmin;
    const roomRecord = (c: ClaimGrants) => !!c.video?.roomRecord;
    this.rpcs = {
      'SIP/CreateSIPInboundTrunk': { grant: sipAdmin, handle: (b) => this.createTrunk(this.inboundTrunks, b) },
      'SIP/CreateSIPOutboundTrunk': { grant: sipAdmin, handle: (b) => this.createTrunk(this.outboundTrunks, b) },
      'SIP/ListSIPInboundTrunk': { grant: sipAdmin, handle: (b) => ok({ items: byIds(this.inboundTrunks, 'sipTrunkId', b.trunkIds) }) },
      'SIP/ListSIPOutboundTrunk': { grant: sipAdmin, handle: (b) => ok({ items: byIds(this.outboundTrunks, 'sipTrunkId', b.trunkIds) }) },
      'SIP/DeleteSIPTrunk': { grant: sipAdmin, handle: (b) => this.deleteTrunk(str(b.sipTrunkId)) },
      'SIP/CreateSIPDispatchRule': { grant: sipAdmin, handle: (b) => this.createDispatchRule(b) },
      'SIP/ListSIPDispatchRule': { grant: sipAdmin, handle: (b) => this.listDispatchRules(b) },
      'SIP/DeleteSIPDispatchRule': { grant: sipAdmin, handle: (b) => this.deleteDispatchRule(str(b.sipDispatchRuleId)) },
      'SIP/CreateSIPParticipant': { grant: (c) => !!c.sip?.call, handle: (b) => this.createSipParticipant(b) },
      'RoomService/CreateRoom': { grant: (c) => !!c.video?.roomCreate, handle: (b) => ok(this.ensureRoom(str(b.name), b)) },
      'RoomService/ListRooms': { grant: (c) => !!c.video?.roomList, handle: (b) => ok({ rooms: byIds(this.rooms, 'name', b.names) }) },
      'RoomService/DeleteRoom': { grant: (c) => !!c.video?.roomCreate, handle: (b) => this.deleteRoom(str(b.room)) },
      'AgentDispatchService/CreateDispatch': { grant: roomAdmin, handle: (b) => this.createDispatch(b) },
      'AgentDispatchService/ListDispatch': { grant: roomAdmin, handle: (b) => this.listDispatch(b) },
      'Egress/StartRoomCompositeEgress': { grant: roomRecord, handle: (b) => this.startRoomCompositeEgress(b) },
      'Egress/StopEgress': { grant: roomRecord, handle: (b) => this.stopEgress(str(b.egressId)) },
      'Egress/ListEgress': { grant: roomRecord, handle: (b) => this.listEgress(b) },
    };
    this.server.route('POST', '/twirp/:service/:rpc', (req) => this.handle(req));
  }

  get url(): string {
    return this.server.baseUrl;
  }

  /** Every request received, oldest first, with its Twirp method and token grants. */
  get requests(): LiveKitRequest[] {
    return this.server.requests.map((r) => {
      const m = /^\/twirp\/livekit\.([^/]+)\/([^/]+)\/?$/.exec(r.path);
      return { ...r, service: m?.[1] ?? '', rpc: m?.[2] ?? '', grants: this.grantsOf.get(r) };
    });
  }

  /** Requests to one Twirp method, e.g. `requestsTo('SIP', 'CreateSIPParticipant')`. */
  requestsTo(service: string, rpc: string): LiveKitRequest[] {
    return this.requests.filter((r) => r.service === service && r.rpc === rpc);
  }

  /** The next CreateSIPParticipant (after auth) fails with this SIP status, e.g. 486 busy or 480 no answer. */
  failSipCall(sipStatus: number, reason?: string): void {
    this.sipFailures.push(sipCallFailure(sipStatus, reason));
  }

  /**
   * What the egress worker would report on its own: `EGRESS_ACTIVE` once it records, `EGRESS_COMPLETE`,
   * `EGRESS_FAILED` or `EGRESS_ABORTED` when it ends without a StopEgress (room closed, upload failed…).
   */
  setEgressStatus(egressId: string, status: FakeEgressStatus): void {
    const egress = this.egresses.find((e) => e.egressId === egressId);
    if (!egress) throw new Error(`FakeLiveKit: no egress ${egressId}`);
    egress.status = status;
    if (!ACTIVE_EGRESS.has(status)) egress.endedAt ??= nowNs();
  }

  /** The base server's fault injection: 5xx answers or requests that never answer, by path. */
  failNext(match: { method?: string; path: RegExp }, respond: FakeResponse | 'timeout', times = 1): void {
    this.server.failNext(match, respond, times);
  }

  async start(port = 0): Promise<string> {
    return this.server.start(port);
  }

  async stop(): Promise<void> {
    await this.server.stop();
  }

  private async handle(req: RecordedRequest): Promise<FakeResponse> {
    const pkg = req.params.service ?? '';
    const rpc = this.rpcs[`${pkg.replace(/^livekit\./, '')}/${req.params.rpc}`];
    if (!pkg.startsWith('livekit.') || !rpc) return twirpError('bad_route', `no handler for path ${req.path}`);
    const auth = req.headers.authorization;
    if (typeof auth !== 'string' || !auth.startsWith('Bearer ')) return twirpError('unauthenticated', 'missing authorization');
    let claims: ClaimGrants;
    try {
      claims = await this.verifier.verify(auth.slice(7));
    } catch (err) {
      return twirpError('unauthenticated', `invalid token: ${err instanceof Error ? err.message : String(err)}`);
    }
    this.grantsOf.set(req, claims);
    if (!rpc.grant(claims)) return twirpError('permission_denied', 'permissions denied');
    const body = req.body && typeof req.body === 'object' ? (req.body as Json) : {};
    return rpc.handle(body);
  }

  private createTrunk(into: Json[], body: Json): FakeResponse {
    const trunk = { ...((body.trunk as Json | undefined) ?? {}), sipTrunkId: id('ST') };
    into.push(trunk);
    return ok(trunk);
  }

  private deleteTrunk(sipTrunkId: string): FakeResponse {
    for (const [list, kind] of [
      [this.inboundTrunks, 'TRUNK_INBOUND'],
      [this.outboundTrunks, 'TRUNK_OUTBOUND'],
    ] as const) {
      const i = list.findIndex((t) => t.sipTrunkId === sipTrunkId);
      if (i < 0) continue;
      const [trunk] = list.splice(i, 1);
      return ok({ sipTrunkId, kind, name: trunk!.name ?? '', metadata: trunk!.metadata ?? '' });
    }
    return twirpError('not_found', `could not find SIP trunk ${sipTrunkId}`);
  }

  private createDispatchRule(body: Json): FakeResponse {
    // Newer clients nest the rule in `dispatchRule`; the Node SDK still sends the fields at the top level.
    const { dispatchRule, ...flat } = body;
    const rule = { ...((dispatchRule as Json | undefined) ?? flat), sipDispatchRuleId: id('SDR') };
    this.dispatchRules.push(rule);
    return ok(rule);
  }

  private listDispatchRules(body: Json): FakeResponse {
    const trunkIds = strings(body.trunkIds);
    const items = byIds(this.dispatchRules, 'sipDispatchRuleId', body.dispatchRuleIds).filter(
      (r) => trunkIds.length === 0 || strings(r.trunkIds).length === 0 || strings(r.trunkIds).some((t) => trunkIds.includes(t)),
    );
    return ok({ items });
  }

  private deleteDispatchRule(ruleId: string): FakeResponse {
    const i = this.dispatchRules.findIndex((r) => r.sipDispatchRuleId === ruleId);
    if (i < 0) return twirpError('not_found', `could not find SIP dispatch rule ${ruleId}`);
    return ok(this.dispatchRules.splice(i, 1)[0]!);
  }

  private createSipParticipant(body: Json): FakeResponse {
    const sipTrunkId = str(body.sipTrunkId);
    if (!body.trunk && !this.outboundTrunks.some((t) => t.sipTrunkId === sipTrunkId)) {
      return twirpError('not_found', `could not find SIP trunk ${sipTrunkId}`);
    }
    if (!str(body.sipCallTo)) return twirpError('invalid_argument', 'missing sip call to');
    const failure = this.sipFailures.shift();
    if (failure) return failure;
    const roomName = str(body.roomName);
    this.ensureRoom(roomName, {});
    const participant: FakeSipParticipant = {
      participantId: id('PA'),
      participantIdentity: str(body.participantIdentity),
      roomName,
      sipCallId: id('SCL'),
      sipTrunkId,
      request: body,
    };
    this.sipParticipants.push(participant);
    const { participantId, participantIdentity, sipCallId } = participant;
    return ok({ participantId, participantIdentity, roomName, sipCallId });
  }

  /** CreateRoom on an existing name returns that room, as the real server does. */
  private ensureRoom(name: string, body: Json): Json {
    const existing = this.rooms.find((r) => r.name === name);
    if (existing) return existing;
    const now = Date.now();
    const room: Json = {
      sid: id('RM'),
      name,
      emptyTimeout: body.emptyTimeout ?? 300,
      departureTimeout: body.departureTimeout ?? 20,
      maxParticipants: body.maxParticipants ?? 0,
      // int64 fields travel as strings in protobuf JSON.
      creationTime: String(Math.floor(now / 1000)),
      creationTimeMs: String(now),
      metadata: str(body.metadata),
      numParticipants: 0,
    };
    this.rooms.push(room);
    return room;
  }

  private deleteRoom(name: string): FakeResponse {
    const i = this.rooms.findIndex((r) => r.name === name);
    if (i < 0) return twirpError('not_found', `requested room does not exist`);
    this.rooms.splice(i, 1);
    // A room composite egress ends with its room (the worker finishes the upload and reports EGRESS_COMPLETE).
    for (const e of this.egresses) if (e.roomName === name && ACTIVE_EGRESS.has(e.status)) this.setEgressStatus(e.egressId, 'EGRESS_COMPLETE');
    return ok({});
  }

  private createDispatch(body: Json): FakeResponse {
    const room = str(body.room);
    if (!room) return twirpError('invalid_argument', 'room name is required');
    this.ensureRoom(room, {});
    const dispatch: Json = {
      id: id('AD'),
      agentName: str(body.agentName),
      room,
      metadata: str(body.metadata),
      state: { createdAt: String(Date.now() * 1_000_000) },
    };
    this.dispatches.push(dispatch);
    return ok(dispatch);
  }

  private listDispatch(body: Json): FakeResponse {
    const dispatchId = str(body.dispatchId);
    const agentDispatches = this.dispatches.filter((d) => d.room === str(body.room) && (!dispatchId || d.id === dispatchId));
    return ok({ agentDispatches });
  }

  // livekit-server pkg/service/egress.go: the launcher loads the room first, and a missing one is the store's
  // ErrRoomNotFound (psrpc NotFound, "requested room does not exist"), which psrpc's errors.go turns into Twirp not_found.
  private startRoomCompositeEgress(body: Json): FakeResponse {
    const roomName = str(body.roomName);
    const room = this.rooms.find((r) => r.name === roomName);
    if (!room) return twirpError('not_found', 'requested room does not exist');
    const [file] = Array.isArray(body.fileOutputs) ? (body.fileOutputs as Json[]) : body.file ? [body.file as Json] : [];
    const egress: FakeEgress = {
      egressId: id('EG'),
      roomName,
      roomId: str(room.sid),
      status: 'EGRESS_STARTING',
      request: body,
      file,
      startedAt: nowNs(),
    };
    this.egresses.push(egress);
    return ok(egressInfo(egress));
  }

  // livekit-server pkg/service/egress.go StopEgress: an unknown id is ErrEgressNotFound ("egress does not exist",
  // not_found); one that is no longer starting or active is failed_precondition.
  private stopEgress(egressId: string): FakeResponse {
    const egress = this.egresses.find((e) => e.egressId === egressId);
    if (!egress) return twirpError('not_found', 'egress does not exist');
    if (egress.status !== 'EGRESS_STARTING' && egress.status !== 'EGRESS_ACTIVE') {
      return twirpError('failed_precondition', `egress with status ${egress.status} cannot be stopped`);
    }
    // Our reading of livekit/egress (not checked against a live worker): it answers EGRESS_ENDING and reports
    // EGRESS_COMPLETE once the file is uploaded. The fake uploads nothing, so it completes at once.
    egress.status = 'EGRESS_ENDING';
    const answer = egressInfo(egress);
    this.setEgressStatus(egressId, 'EGRESS_COMPLETE');
    return ok(answer);
  }

  private listEgress(body: Json): FakeResponse {
    const roomName = str(body.roomName);
    const egressId = str(body.egressId);
    const items = this.egresses.filter(
      (e) => (!roomName || e.roomName === roomName) && (!egressId || e.egressId === egressId) && (!body.active || ACTIVE_EGRESS.has(e.status)),
    );
    return ok({ items: items.map(egressInfo) });
  }
}

const ACTIVE_EGRESS = new Set<FakeEgressStatus>(['EGRESS_STARTING', 'EGRESS_ACTIVE', 'EGRESS_ENDING']);

const nowNs = (): string => String(BigInt(Date.now()) * 1_000_000n);

/** An EgressInfo in protobuf JSON; the request travels back under its oneof name, as the server echoes it. */
function egressInfo(e: FakeEgress): Json {
  return {
    egressId: e.egressId,
    roomId: e.roomId,
    roomName: e.roomName,
    status: e.status,
    startedAt: e.startedAt,
    ...(e.endedAt ? { endedAt: e.endedAt } : {}),
    roomComposite: e.request,
  };
}

function ok(body: Json): FakeResponse {
  return { status: 200, body };
}

/** All of `items`, or only those whose `key` is in `ids` when the request names some. */
function byIds(items: Json[], key: string, ids: unknown): Json[] {
  const wanted = strings(ids);
  return wanted.length === 0 ? items : items.filter((i) => wanted.includes(str(i[key])));
}

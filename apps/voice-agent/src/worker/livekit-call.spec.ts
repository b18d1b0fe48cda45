/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { openInboundSession, openOutboundSession, openWebSession } from '@callplane/calls';
import { callUsageDataSchema, newId, type VoiceConfig } from '@callplane/contracts';
import { connectPostgres, type Database } from '@callplane/db';
import { LiveKitCalls, type RecordingStorage } from '@callplane/livekit';
import { captureLogs, FakeLiveKit, pollUntil } from '@callplane/testing';
import { initializeLogger, type VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { ParticipantKind, RoomEvent } from '@livekit/rtc-node';
import { EventEmitter } from 'node:events';
import { PlayoutAudioOutput, PushAudioInput } from '../local/audio-io';
import { FarEndAudio } from '../local/far-end';
import type { CallPlan } from '../session/agent-config';
import type { CallMedia } from '../session/voice-session';
import { choosePlugins } from '../session/plugins';
import { workerCallDeps } from './call-deps';
import { JobRoom, type RoomView } from './job-room';
import { runLiveKitCall, type LiveKitCallDeps } from './livekit-call';

const LIVEKIT = { apiKey: 'APIworkerspec', apiSecret: 'worker-spec-secret-0123456789abcdef' };
const voice: VoiceConfig = {
  greeting: 'Hi {{name}}, Ava here.',
  tts: { provider: 'local', model: 'synthetic', voice: 'default' },
  stt: { provider: 'local', model: 'scripted', language: 'en' },
  max_duration: 600,
  recording: false,
  transcription: true,
};
const PROMPT = ['You are Ava.', 'INTENT price | cost => It is ten dollars.', 'INTENT bye | goodbye => Goodbye! [end_call]', 'FALLBACK => Sorry?'].join('\n');

interface FakeParticipant {
  identity: string;
  kind: ParticipantKind;
  attributes: Record<string, string>;
}

/**
 * A connected LiveKit room as rtc-node shows it to a job (participants and their events), with the call's audio
 * replaced: the far end is a simulated phone line. Everything the job reads of the room goes through JobRoom.
 */
class SimulatedRoom extends EventEmitter {
  readonly remoteParticipants = new Map<string, FakeParticipant>();
  isConnected = true;
  readonly input = new PushAudioInput();
  readonly output = new PlayoutAudioOutput(24_000);
  readonly far = new FarEndAudio(this.input);

  join(identity: string, attributes: Record<string, string>, kind = ParticipantKind.SIP): void {
    const p = { identity, kind, attributes: { ...attributes } };
    this.remoteParticipants.set(identity, p);
    this.emit(RoomEvent.ParticipantConnected, p);
  }
  setAttributes(identity: string, changed: Record<string, string>): void {
    const p = this.remoteParticipants.get(identity)!;
    Object.assign(p.attributes, changed);
    this.emit(RoomEvent.ParticipantAttributesChanged, changed, p);
  }
  leave(identity: string): void {
    const p = this.remoteParticipants.get(identity)!;
    this.remoteParticipants.delete(identity);
    this.far.stop();
    this.emit(RoomEvent.ParticipantDisconnected, p);
  }
  /** The room was deleted (the dialer gave up on a callee who never answered). */
  close(): void {
    this.isConnected = false;
    this.far.stop();
    this.emit(RoomEvent.Disconnected, 'ROOM_DELETED');
  }
  callRoom(name: string, metadata: string): JobRoom {
    const media: CallMedia = { kind: 'replaced', input: this.input, output: this.output };
    return new (class extends JobRoom {
      override media(): CallMedia {
        return media;
      }
    })(this as unknown as RoomView, name, metadata);
  }
}

describe('a LiveKit job (runLiveKitCall): answer, greet, talk, report, hang up', () => {
  let db: Database;
  let vad: VAD;
  const livekit = new FakeLiveKit(LIVEKIT);
  let livekitUrl: string;
  const rooms: SimulatedRoom[] = [];

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: 'silent' });
    // One connection, as a job process has (worker/job.ts): nothing in a call may need two at once.
    db = connectPostgres({ url: process.env.DATABASE_URL!, poolSize: 1 });
    livekitUrl = await livekit.start();
    vad = await silero.VAD.load({ minSilenceDuration: 400 });
  });
  afterAll(async () => {
    await vad.close();
    await livekit.stop();
    await db.close();
  });
  afterEach(() => {
    for (const r of rooms.splice(0)) r.far.stop();
  });

  function deps(callerScript: string[], overrides: Partial<LiveKitCallDeps> = {}, recordings: RecordingStorage | null = null) {
    const logs = captureLogs('worker-spec');
    const base = workerCallDeps({
      prisma: db.prisma,
      outbox: { notify: () => undefined },
      livekit: { url: livekitUrl, ...LIVEKIT },
      recordings,
      keys: {},
      vad,
      logger: logs.logger,
      sessionWaitMs: 5_000,
      usageIntervalMs: 60_000,
      replica: 'worker-spec',
    });
    // The local stack with the caller's lines as the recogniser's script (plugin choice is tested in plugins.spec).
    return { deps: { ...base, plugins: (p: CallPlan) => choosePlugins(p.voice, { keys: {}, callerScript, localVoice: { msPerChar: 40 } }), ...overrides }, logs };
  }

  async function seedTenant() {
    const tenant = await db.prisma.tenant.create({ data: { id: newId('tenant'), name: 'Worker spec' } });
    const agent = await db.prisma.agent.create({ data: { id: newId('agent'), tenantId: tenant.id, name: 'Ava', systemPrompt: PROMPT, voice: voice as object } });
    return { tenant, agent };
  }

  /** What the dialer does before the agent's job starts: the session (initiating) and the room with the agent dispatched. */
  async function outboundCall(agentVoice: VoiceConfig = voice) {
    const { tenant, agent } = await seedTenant();
    const id = newId('callSession');
    const roomName = `call-${id}`;
    await db.prisma.$transaction((tx) =>
      openOutboundSession(tx, { id, tenantId: tenant.id, agentId: agent.id, phoneNumberId: null, callType: 'production', fromNumber: '+14155550100', toNumber: '+14155550199', provider: 'sip', roomName, at: new Date() }),
    );
    const metadata = {
      session_id: id,
      tenant_id: tenant.id,
      direction: 'outbound',
      call_type: 'production',
      from_number: '+14155550100',
      to_number: '+14155550199',
      max_duration_seconds: 120,
      agent: { id: agent.id, name: agent.name, system_prompt: PROMPT, voice: agentVoice },
      context: { name: 'Asha' },
    };
    await new LiveKitCalls({ url: livekitUrl, ...LIVEKIT }).prepareRoom({ roomName, metadata, maxCallDurationSeconds: 120 });
    const room = new SimulatedRoom();
    rooms.push(room);
    return { sessionId: id, roomName, room, job: room.callRoom(roomName, JSON.stringify(metadata)) };
  }

  const session = (id: string) => db.prisma.callSession.findUniqueOrThrow({ where: { id } });
  const events = async (sessionId: string) =>
    (await db.prisma.outboxEvent.findMany({ where: { key: sessionId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => e.envelope as { type: string; data: Record<string, unknown> });
  const roomExists = (name: string) => livekit.rooms.some((r) => r.name === name);

  it('outbound: waits through ringing, greets only once the callee answers, and deletes the room after the caller hangs up', async () => {
    const { sessionId, roomName, room, job } = await outboundCall();
    const { deps: d } = deps(['How much does it cost?']);
    const running = runLiveKitCall(job, d);

    // The dialer's CreateSIPParticipant: the callee's phone rings.
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'dialing', 'callplane.session_id': sessionId });
    room.setAttributes(`sip-${sessionId}`, { 'sip.callStatus': 'ringing' });
    // Nothing has been said to a ringing phone, however long it rings.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(room.output.segments).toHaveLength(0);

    room.far.start();
    const answeredAt = Date.now();
    room.setAttributes(`sip-${sessionId}`, { 'sip.callStatus': 'active' });
    const greeting = await pollUntil(() => room.output.segments[0], { description: 'greeting audio' });
    expect(greeting.capturedAt).toBeGreaterThanOrEqual(answeredAt);

    room.far.speak(1_200);
    await pollUntil(async () => (await events(sessionId)).filter((e) => e.type === 'call.transcript').length >= 3, { timeoutMs: 15_000, description: 'caller line and reply' });
    room.leave(`sip-${sessionId}`);
    const result = await running;

    expect(result).toMatchObject({ kind: 'ended', sessionId, outcome: { endReason: 'caller_hangup' } });
    expect(await session(sessionId)).toMatchObject({ status: 'completed', endReason: 'caller_hangup' });
    const evs = await events(sessionId);
    expect(evs.filter((e) => e.type === 'call.transcript').map((e) => (e.data.turns as Array<{ text: string }>)[0]!.text)).toEqual([
      'Hi Asha, Ava here.',
      'How much does it cost?',
      'It is ten dollars.',
    ]);
    const usage = evs.filter((e) => e.type === 'call.usage').map((e) => callUsageDataSchema.parse(e.data));
    expect(usage[usage.length - 1]!.tts[0]!.characters).toBe('Hi Asha, Ava here.'.length + 'It is ten dollars.'.length);
    expect(evs[evs.length - 1]!.type).toBe('call.completed');
    // Hung up for everyone: the room (and with it the SIP leg) is gone at LiveKit.
    expect(livekit.requestsTo('RoomService', 'DeleteRoom').map((r) => (r.body as { room: string }).room)).toContain(roomName);
    expect(roomExists(roomName)).toBe(false);
  });

  it('the agent ends the call (end_call): its reason is recorded before the room goes, and the webhook\'s later hang-up changes nothing', async () => {
    const { sessionId, roomName, room, job } = await outboundCall();
    const { deps: d } = deps(['Okay, goodbye.']);
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'active', 'callplane.session_id': sessionId });
    room.far.start();
    const running = runLiveKitCall(job, d);
    await pollUntil(() => room.output.segments[0]?.finishedAt, { description: 'greeting played out' });
    room.far.speak(1_000);
    const result = await running;

    expect(result).toMatchObject({ kind: 'ended', outcome: { endReason: 'agent_hangup' } });
    expect(roomExists(roomName)).toBe(false);
    // LiveKit's participant_left webhook reaches the gateway afterwards: the call is already completed.
    const { CallTransitions } = await import('@callplane/calls');
    const late = await new CallTransitions({ prisma: db.prisma, outbox: { notify: () => undefined } }).report({ call: { roomName }, state: 'completed', at: new Date(), endReason: 'hangup' });
    expect(late.kind).toBe('ignored');
    expect(await session(sessionId)).toMatchObject({ status: 'completed', endReason: 'agent_hangup' });
  });

  it('the worker must stop (drain out of grace): a goodbye, end reason worker_shutdown, and the room deleted', async () => {
    const { sessionId, roomName, room, job } = await outboundCall();
    const stop = new AbortController();
    const { deps: d } = deps([]);
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'active', 'callplane.session_id': sessionId });
    room.far.start();
    const running = runLiveKitCall(job, { ...d, stop: stop.signal });
    await pollUntil(() => room.output.segments[0]?.finishedAt, { description: 'greeting played out' });
    stop.abort();
    const result = await running;

    expect(result).toMatchObject({ kind: 'ended', outcome: { endReason: 'worker_shutdown' } });
    expect(room.output.segments.length).toBeGreaterThanOrEqual(2);
    const turns = (await events(sessionId)).filter((e) => e.type === 'call.transcript').map((e) => (e.data.turns as Array<{ text: string }>)[0]!.text);
    expect(turns[turns.length - 1]).toMatch(/have to end this call now/);
    expect(await session(sessionId)).toMatchObject({ status: 'completed', endReason: 'worker_shutdown' });
    expect(roomExists(roomName)).toBe(false);
  });

  it('told to stop while the callee\'s phone still rings: nothing is said, the room is deleted', async () => {
    const { sessionId, roomName, room, job } = await outboundCall();
    const stop = new AbortController();
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'ringing', 'callplane.session_id': sessionId });
    const running = runLiveKitCall(job, { ...deps([]).deps, stop: stop.signal });
    await new Promise<void>((resolve) => setImmediate(resolve));
    stop.abort();
    expect(await running).toEqual({ kind: 'not_connected' });
    expect(room.output.segments).toHaveLength(0);
    expect(roomExists(roomName)).toBe(false);
  });

  /** An answered call in which the caller hangs up once the greeting has played. */
  async function greetingThenHangUp(sessionId: string, room: SimulatedRoom, job: JobRoom, d: LiveKitCallDeps) {
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'active', 'callplane.session_id': sessionId });
    room.far.start();
    const running = runLiveKitCall(job, d);
    await pollUntil(() => room.output.segments[0]?.finishedAt, { description: 'greeting played out' });
    room.leave(`sip-${sessionId}`);
    return running;
  }

  const S3_SECRET = 'worker-spec-s3-secret';
  const S3: RecordingStorage = { kind: 's3', bucket: 'acme-calls', region: 'eu-west-1', forcePathStyle: false, accessKey: 'AKIAWORKERSPEC', secret: S3_SECRET, prefix: 'recordings' };

  it('recording: an audio-only egress of the room starts once the call is answered, and the usage reports carry its URL', async () => {
    const { sessionId, roomName, room, job } = await outboundCall({ ...voice, recording: true });
    const { deps: d, logs } = deps([], {}, S3);
    const result = await greetingThenHangUp(sessionId, room, job, d);

    const expectedUrl = `s3://acme-calls/recordings/${(await session(sessionId)).tenantId}/${sessionId}.ogg`;
    expect(result).toMatchObject({ kind: 'ended', recordingUrl: expectedUrl });
    const [egress] = livekit.requestsTo('Egress', 'StartRoomCompositeEgress');
    expect(egress!.body).toMatchObject({ roomName, audioOnly: true });
    const usage = (await events(sessionId)).filter((e) => e.type === 'call.usage');
    expect(usage.length).toBeGreaterThan(0);
    for (const u of usage) expect(u.data.recording_url).toBe(expectedUrl);
    expect(logs.text()).not.toContain(S3_SECRET);
  });

  it('recording that cannot start (LiveKit refuses) leaves the call unrecorded, not dropped', async () => {
    const { sessionId, room, job } = await outboundCall({ ...voice, recording: true });
    livekit.failNext({ path: /StartRoomCompositeEgress/ }, { status: 503, body: { code: 'unavailable', msg: 'no egress workers' } });
    const { deps: d, logs } = deps([], {}, S3);
    const result = await greetingThenHangUp(sessionId, room, job, d);
    expect(result).toMatchObject({ kind: 'ended', outcome: { endReason: 'caller_hangup' } });
    expect(result.kind === 'ended' && result.recordingUrl).toBeFalsy();
    for (const u of (await events(sessionId)).filter((e) => e.type === 'call.usage')) expect(u.data.recording_url).toBeUndefined();
    expect(logs.text()).toContain('could not start the recording');
  });

  it('a call whose agent does not ask for recording starts no egress', async () => {
    const before = livekit.requestsTo('Egress', 'StartRoomCompositeEgress').length;
    const { sessionId, room, job } = await outboundCall();
    await greetingThenHangUp(sessionId, room, job, deps([], {}, S3).deps);
    expect(livekit.requestsTo('Egress', 'StartRoomCompositeEgress')).toHaveLength(before);
  });

  it('a callee who never answers: the room closes while ringing, the agent never speaks and reports nothing (the dialer does)', async () => {
    const { sessionId, room, job } = await outboundCall();
    const { deps: d } = deps([]);
    const running = runLiveKitCall(job, d);
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'ringing', 'callplane.session_id': sessionId });
    room.close();
    expect(await running).toEqual({ kind: 'not_connected' });
    expect(room.output.segments).toHaveLength(0);
    expect((await events(sessionId)).map((e) => e.type)).toEqual(['call.initiating']);
  });

  it('inbound SIP-direct: the session the gateway opens from LiveKit\'s webhook is found by room, and the number\'s greeting is spoken', async () => {
    const { tenant, agent } = await seedTenant();
    const phone = await db.prisma.phoneNumber.create({
      data: { id: newId('phoneNumber'), tenantId: tenant.id, number: `+1415555${String(Date.now()).slice(-4)}`, provider: 'plivo', agentId: agent.id, greeting: 'Thanks for calling Acme.' },
    });
    const roomName = `call-inbound-${newId('callSession')}`;
    const room = new SimulatedRoom();
    rooms.push(room);
    const job = room.callRoom(roomName, JSON.stringify({ phone_id: phone.id, tenant_id: tenant.id, number: phone.number }));
    // Plivo's INVITE arrives: the SIP participant is in the room (active) when the job starts; no session attribute.
    room.join('sip_caller', { 'sip.callStatus': 'active', 'sip.phoneNumber': '+14155550123', 'sip.trunkPhoneNumber': phone.number });
    room.far.start();
    const running = runLiveKitCall(job, deps([]).deps);

    // The gateway's participant_joined webhook lands after the job started looking.
    const sessionId = newId('callSession');
    await db.prisma.$transaction((tx) =>
      openInboundSession(tx, { id: sessionId, tenantId: tenant.id, agentId: agent.id, phoneNumberId: phone.id, fromNumber: '+14155550123', toNumber: phone.number, provider: 'plivo', providerCallId: `SCL_${sessionId}`, state: 'initiating', at: new Date() }),
    );
    await db.prisma.callSession.update({ where: { id: sessionId }, data: { roomName } });

    await pollUntil(async () => (await events(sessionId)).some((e) => e.type === 'call.transcript'), { description: 'greeting transcript' });
    room.leave('sip_caller');
    const result = await running;
    expect(result).toMatchObject({ kind: 'ended', sessionId, outcome: { endReason: 'caller_hangup' } });
    const turns = (await events(sessionId)).filter((e) => e.type === 'call.transcript').map((e) => (e.data.turns as Array<{ text: string }>)[0]!.text);
    expect(turns[0]).toBe('Thanks for calling Acme.');
    expect(livekit.requestsTo('RoomService', 'DeleteRoom').map((r) => (r.body as { room: string }).room)).toContain(roomName);
  });

  it('metadata it cannot run: the session fails with invalid_call_metadata and the room is deleted, nothing is said', async () => {
    const { sessionId, roomName, room } = await outboundCall();
    const job = room.callRoom(roomName, JSON.stringify({ direction: 'outbound', session_id: sessionId }));
    room.join(`sip-${sessionId}`, { 'sip.callStatus': 'active', 'callplane.session_id': sessionId });
    const { deps: d, logs } = deps([]);
    const result = await runLiveKitCall(job, d);
    expect(result.kind).toBe('refused');
    expect(await session(sessionId)).toMatchObject({ status: 'failed', endReason: 'invalid_call_metadata' });
    expect(room.output.segments).toHaveLength(0);
    expect(roomExists(roomName)).toBe(false);
    expect(logs.text()).toContain('job metadata is not a call we can run');
  });

  it('an inbound call whose session never appears is hung up, not run unaccounted', async () => {
    const { tenant, agent } = await seedTenant();
    const phone = await db.prisma.phoneNumber.create({ data: { id: newId('phoneNumber'), tenantId: tenant.id, number: `+1415556${String(Date.now()).slice(-4)}`, provider: 'vobiz', agentId: agent.id } });
    const roomName = `call-orphan-${newId('callSession')}`;
    await new LiveKitCalls({ url: livekitUrl, ...LIVEKIT }).prepareRoom({ roomName, metadata: {}, maxCallDurationSeconds: 60 });
    const room = new SimulatedRoom();
    rooms.push(room);
    room.join('sip_caller', { 'sip.callStatus': 'active' });
    const { deps: d, logs } = deps([]);
    const result = await runLiveKitCall(room.callRoom(roomName, JSON.stringify({ phone_id: phone.id, tenant_id: tenant.id, number: phone.number })), { ...d, findSessionByRoom: workerCallDeps({ prisma: db.prisma, outbox: { notify: () => undefined }, livekit: { url: livekitUrl, ...LIVEKIT }, keys: {}, vad, logger: logs.logger, sessionWaitMs: 300, replica: 'worker-spec' }).findSessionByRoom });
    expect(result).toEqual({ kind: 'refused', reason: 'no_session' });
    expect(room.output.segments).toHaveLength(0);
    expect(roomExists(roomName)).toBe(false);
    expect(logs.text()).toContain('is the LiveKit webhook pointed at the gateway?');
  });

  /** What the dialer does for a web call: the session (direction web, initiating) and the room with the agent dispatched. */
  async function webCall() {
    const { tenant, agent } = await seedTenant();
    const id = newId('callSession');
    const roomName = `call-${id}`;
    await db.prisma.$transaction((tx) => openWebSession(tx, { id, tenantId: tenant.id, agentId: agent.id, userId: 'usr_worker_spec', roomName, maxDurationSeconds: 120, at: new Date() }));
    const metadata = { session_id: id, tenant_id: tenant.id, direction: 'web', call_type: 'studio_test', max_duration_seconds: 120, agent: { id: agent.id, name: agent.name, system_prompt: PROMPT, voice }, context: { name: 'Asha' } };
    await new LiveKitCalls({ url: livekitUrl, ...LIVEKIT }).prepareRoom({ roomName, metadata, maxCallDurationSeconds: 120 });
    const room = new SimulatedRoom();
    rooms.push(room);
    return { sessionId: id, roomName, room, job: room.callRoom(roomName, JSON.stringify(metadata)) };
  }

  it('web call: the browser participant is the caller (no SIP leg): answered when it joins, greeted, and hung up when it leaves', async () => {
    const { sessionId, roomName, room, job } = await webCall();
    const running = runLiveKitCall(job, deps(['How much does it cost?']).deps);
    // Someone else in the room (not the browser this call was made for) is nobody's caller.
    room.join('web-someone-else', {}, ParticipantKind.STANDARD);
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(room.output.segments).toHaveLength(0);

    room.far.start();
    room.join(`web-${sessionId}`, {}, ParticipantKind.STANDARD);
    await pollUntil(() => room.output.segments[0]?.finishedAt, { description: 'greeting played out' });
    expect(await session(sessionId)).toMatchObject({ status: 'in_progress', direction: 'web', mediaReplica: 'worker-spec' });
    room.far.speak(1_200);
    await pollUntil(async () => (await events(sessionId)).filter((e) => e.type === 'call.transcript').length >= 3, { timeoutMs: 15_000, description: 'caller line and reply' });
    room.leave(`web-${sessionId}`);

    expect(await running).toMatchObject({ kind: 'ended', sessionId, outcome: { endReason: 'caller_hangup' } });
    expect(await session(sessionId)).toMatchObject({ status: 'completed', endReason: 'caller_hangup' });
    expect((await events(sessionId)).filter((e) => e.type.startsWith('call.') && !/transcript|usage/.test(e.type)).map((e) => e.type)).toEqual(['call.initiating', 'call.in_progress', 'call.completed']);
    expect(roomExists(roomName)).toBe(false);
  });

  it('web call: a browser that never joins while its token is good ends the call failed, not_connected, and the room goes', async () => {
    const { sessionId, roomName, job } = await webCall();
    expect(await runLiveKitCall(job, { ...deps([]).deps, webJoinTimeoutMs: 200 })).toEqual({ kind: 'not_connected' });
    expect(await session(sessionId)).toMatchObject({ status: 'failed', endReason: 'not_connected', answeredAt: null });
    expect(roomExists(roomName)).toBe(false);
  });
});

describe('JobRoom (the SIP participant as the job sees it)', () => {
  const view = (room: SimulatedRoom) => new JobRoom(room as unknown as RoomView, 'call-x', '{}');

  it('finds the SIP participant already in the room, or waits for it, ignoring other kinds', async () => {
    const room = new SimulatedRoom();
    room.join('agent-observer', {}, ParticipantKind.STANDARD);
    const waiting = view(room).sipParticipant();
    room.join('sip_1', { 'sip.callStatus': 'dialing', 'sip.phoneNumber': '+14155550123' });
    expect(await waiting).toEqual({ identity: 'sip_1', attributes: { 'sip.callStatus': 'dialing', 'sip.phoneNumber': '+14155550123' } });
    expect(await view(room).sipParticipant()).toMatchObject({ identity: 'sip_1' });
  });

  it('no SIP participant before the room closes: null', async () => {
    const room = new SimulatedRoom();
    const waiting = view(room).sipParticipant();
    room.close();
    expect(await waiting).toBeNull();
    expect(await view(room).sipParticipant()).toBeNull();
  });

  it('participant(identity): the one of that identity, of any kind, already there or once it joins; null if the room closes first', async () => {
    const room = new SimulatedRoom();
    room.join('sip_1', {});
    const browser = view(room).participant('web-cs_1');
    room.join('web-cs_2', {}, ParticipantKind.STANDARD);
    room.join('web-cs_1', { a: 'b' }, ParticipantKind.STANDARD);
    expect(await browser).toEqual({ identity: 'web-cs_1', attributes: { a: 'b' } });
    expect(await view(room).participant('web-cs_2')).toEqual({ identity: 'web-cs_2', attributes: {} });
    const never = view(room).participant('web-cs_3');
    room.close();
    expect(await never).toBeNull();
  });

  it('answered: true on sip.callStatus active, false when the participant leaves first', async () => {
    const room = new SimulatedRoom();
    room.join('sip_1', { 'sip.callStatus': 'ringing' });
    room.join('sip_2', { 'sip.callStatus': 'ringing' });
    const one = view(room).answered('sip_1');
    const two = view(room).answered('sip_2');
    room.setAttributes('sip_2', { 'sip.callStatus': 'active' });
    room.leave('sip_1');
    expect(await one).toBe(false);
    expect(await two).toBe(true);
    expect(await view(room).answered('sip_1')).toBe(false);
  });

  it('onLeft fires once, for that participant only, or at once if it is already gone', async () => {
    const room = new SimulatedRoom();
    room.join('sip_1', {});
    room.join('sip_2', {});
    const left: string[] = [];
    view(room).onLeft('sip_1', () => left.push('sip_1'));
    room.leave('sip_2');
    expect(left).toEqual([]);
    room.leave('sip_1');
    room.close();
    expect(left).toEqual(['sip_1']);
    view(room).onLeft('sip_2', () => left.push('sip_2'));
    expect(left).toEqual(['sip_1', 'sip_2']);
  });
});

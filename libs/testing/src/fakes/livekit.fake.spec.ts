import {
  AgentDispatchClient,
  EgressClient,
  EgressStatus,
  EncodedFileOutput,
  EncodedFileType,
  RoomAgentDispatch,
  RoomConfiguration,
  RoomServiceClient,
  S3Upload,
  ServerError,
  SipCallError,
  SipClient,
} from 'livekit-server-sdk';
import { FakeLiveKit } from './livekit.fake';

const apiKey = 'APIfake';
const apiSecret = 'fake-secret-that-is-long-enough-0123456789';

describe('FakeLiveKit through livekit-server-sdk', () => {
  let fake: FakeLiveKit;
  let sip: SipClient;

  beforeEach(async () => {
    fake = new FakeLiveKit({ apiKey, apiSecret });
    await fake.start();
    sip = new SipClient(fake.url, apiKey, apiSecret);
  });
  afterEach(() => fake.stop());

  it('creates, lists and deletes inbound and outbound trunks', async () => {
    const inbound = await sip.createSipInboundTrunk('in', ['+15550100'], { authUsername: 'u', authPassword: 'p', krispEnabled: true });
    const outbound = await sip.createSipOutboundTrunk('out', 'sip.example.com', ['+15550101'], { transport: 0, authUsername: 'ou', authPassword: 'op' });
    expect(inbound.sipTrunkId).toMatch(/^ST_/);
    expect(outbound.sipTrunkId).not.toBe(inbound.sipTrunkId);

    const listedIn = await sip.listSipInboundTrunk();
    expect(listedIn.map((t) => [t.sipTrunkId, t.name, t.numbers, t.authUsername, t.krispEnabled])).toEqual([
      [inbound.sipTrunkId, 'in', ['+15550100'], 'u', true],
    ]);
    const listedOut = await sip.listSipOutboundTrunk();
    expect(listedOut.map((t) => [t.sipTrunkId, t.address, t.numbers, t.authPassword])).toEqual([
      [outbound.sipTrunkId, 'sip.example.com', ['+15550101'], 'op'],
    ]);

    const [create] = fake.requestsTo('SIP', 'CreateSIPInboundTrunk');
    expect(create!.path).toBe('/twirp/livekit.SIP/CreateSIPInboundTrunk');
    expect(create!.body).toEqual({
      trunk: { name: 'in', numbers: ['+15550100'], authUsername: 'u', authPassword: 'p', krispEnabled: true },
    });
    expect(create!.grants?.sip).toEqual({ admin: true });

    const deleted = await sip.deleteSipTrunk(inbound.sipTrunkId);
    expect(deleted.sipTrunkId).toBe(inbound.sipTrunkId);
    expect(await sip.listSipInboundTrunk()).toEqual([]);
    expect(fake.outboundTrunks).toHaveLength(1);
    await expect(sip.deleteSipTrunk(inbound.sipTrunkId)).rejects.toMatchObject({ status: 404, code: 'not_found' });
  });

  it('creates an individual dispatch rule with agents, lists it back and deletes it', async () => {
    const trunk = await sip.createSipInboundTrunk('in', ['+15550100']);
    const rule = await sip.createSipDispatchRule(
      { type: 'individual', roomPrefix: 'call-' },
      {
        trunkIds: [trunk.sipTrunkId],
        name: 'to-agent',
        roomConfig: new RoomConfiguration({ agents: [new RoomAgentDispatch({ agentName: 'voice-agent', metadata: '{"tenant":"t1"}' })] }),
      },
    );
    expect(rule.sipDispatchRuleId).toMatch(/^SDR_/);

    const [listed, ...rest] = await sip.listSipDispatchRule();
    expect(rest).toEqual([]);
    expect(listed!.sipDispatchRuleId).toBe(rule.sipDispatchRuleId);
    expect(listed!.trunkIds).toEqual([trunk.sipTrunkId]);
    expect(listed!.rule?.rule.case).toBe('dispatchRuleIndividual');
    expect(listed!.rule?.rule.value).toMatchObject({ roomPrefix: 'call-' });
    expect(listed!.roomConfig?.agents.map((a) => [a.agentName, a.metadata])).toEqual([['voice-agent', '{"tenant":"t1"}']]);

    expect(fake.requestsTo('SIP', 'CreateSIPDispatchRule')[0]!.body).toEqual({
      rule: { dispatchRuleIndividual: { roomPrefix: 'call-' } },
      trunkIds: [trunk.sipTrunkId],
      name: 'to-agent',
      roomConfig: { agents: [{ agentName: 'voice-agent', metadata: '{"tenant":"t1"}' }] },
    });
    expect(await sip.listSipDispatchRule({ trunkIds: ['ST_other'] })).toEqual([]);

    await sip.deleteSipDispatchRule(rule.sipDispatchRuleId);
    expect(await sip.listSipDispatchRule()).toEqual([]);
    expect(fake.dispatchRules).toEqual([]);
  });

  it('creates, lists and deletes rooms', async () => {
    const rooms = new RoomServiceClient(fake.url, apiKey, apiSecret);
    const room = await rooms.createRoom({ name: 'r1', emptyTimeout: 60, metadata: 'm' });
    expect(room).toMatchObject({ name: 'r1', emptyTimeout: 60, metadata: 'm' });
    expect(room.sid).toMatch(/^RM_/);
    expect((await rooms.createRoom({ name: 'r1' })).sid).toBe(room.sid);
    await rooms.createRoom({ name: 'r2' });

    expect((await rooms.listRooms()).map((r) => r.name)).toEqual(['r1', 'r2']);
    expect((await rooms.listRooms(['r2'])).map((r) => r.name)).toEqual(['r2']);
    expect(fake.requestsTo('RoomService', 'CreateRoom')[0]!.grants?.video).toEqual({ roomCreate: true });

    await rooms.deleteRoom('r1');
    expect((await rooms.listRooms()).map((r) => r.name)).toEqual(['r2']);
    expect(fake.requestsTo('RoomService', 'DeleteRoom')[0]!.body).toEqual({ room: 'r1' });
    await expect(rooms.deleteRoom('r1')).rejects.toMatchObject({ status: 404 });
  });

  it('creates an agent dispatch and lists it for its room', async () => {
    const agents = new AgentDispatchClient(fake.url, apiKey, apiSecret);
    const dispatch = await agents.createDispatch('call-1', 'voice-agent', { metadata: '{"session":"s1"}' });
    expect(dispatch).toMatchObject({ agentName: 'voice-agent', room: 'call-1', metadata: '{"session":"s1"}' });
    expect(dispatch.id).toMatch(/^AD_/);

    expect((await agents.listDispatch('call-1')).map((d) => d.id)).toEqual([dispatch.id]);
    expect(await agents.listDispatch('other')).toEqual([]);
    const [req] = fake.requestsTo('AgentDispatchService', 'CreateDispatch');
    expect(req!.path).toBe('/twirp/livekit.AgentDispatchService/CreateDispatch');
    expect(req!.body).toEqual({ room: 'call-1', agentName: 'voice-agent', metadata: '{"session":"s1"}' });
    expect(req!.grants?.video).toMatchObject({ roomAdmin: true, room: 'call-1' });
    expect(fake.rooms.map((r) => r.name)).toEqual(['call-1']);
  });

  describe('createSipParticipant', () => {
    let trunkId: string;
    beforeEach(async () => {
      trunkId = (await sip.createSipOutboundTrunk('out', 'sip.example.com', ['+15550101'])).sipTrunkId;
    });

    it('dials and answers participantId, roomName and sipCallId', async () => {
      const p = await sip.createSipParticipant(trunkId, '+15550199', 'call-2', {
        fromNumber: '+15550101',
        participantIdentity: 'callee',
        waitUntilAnswered: true,
      });
      expect(p.participantId).toMatch(/^PA_/);
      expect(p.sipCallId).toMatch(/^SCL_/);
      expect(p.roomName).toBe('call-2');
      expect(fake.sipParticipants).toEqual([expect.objectContaining({ participantId: p.participantId, sipTrunkId: trunkId })]);

      const [req] = fake.requestsTo('SIP', 'CreateSIPParticipant');
      expect(req!.path).toBe('/twirp/livekit.SIP/CreateSIPParticipant');
      expect(req!.body).toMatchObject({
        sipTrunkId: trunkId,
        sipCallTo: '+15550199',
        sipNumber: '+15550101',
        roomName: 'call-2',
        participantIdentity: 'callee',
        waitUntilAnswered: true,
      });
      expect(req!.grants?.sip).toEqual({ call: true });
    });

    it('fails the next call with a SIP status the SDK exposes as SipCallError', async () => {
      fake.failSipCall(486);
      const err: unknown = await sip.createSipParticipant(trunkId, '+15550199', 'call-3').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SipCallError);
      expect((err as SipCallError).sipStatusCode).toBe(486);
      expect((err as SipCallError).sipStatus).toBe('Busy Here');
      expect(fake.sipParticipants).toEqual([]);

      // Only the next call fails.
      await expect(sip.createSipParticipant(trunkId, '+15550199', 'call-3')).resolves.toMatchObject({ roomName: 'call-3' });
    });

    it('rejects an unknown trunk with not_found, not a SIP error', async () => {
      const err: unknown = await sip.createSipParticipant('ST_missing', '+15550199', 'r').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerError);
      expect(err).not.toBeInstanceOf(SipCallError);
      expect(err).toMatchObject({ status: 404, code: 'not_found' });
    });

    it('answers an injected 5xx', async () => {
      fake.failNext({ path: /CreateSIPParticipant$/ }, { status: 503, body: { code: 'unavailable', msg: 'down' } });
      await expect(sip.createSipParticipant(trunkId, '+15550199', 'r')).rejects.toMatchObject({ status: 503, message: 'down' });
      expect(fake.sipParticipants).toEqual([]);
    });
  });

  describe('egress', () => {
    let egress: EgressClient;
    const output = () =>
      new EncodedFileOutput({
        fileType: EncodedFileType.OGG,
        filepath: 'rec/t1/s1.ogg',
        output: { case: 's3', value: new S3Upload({ bucket: 'calls', accessKey: 'AK', secret: 'SK', region: 'us-east-1' }) },
      });
    beforeEach(async () => {
      egress = new EgressClient(fake.url, apiKey, apiSecret);
      await new RoomServiceClient(fake.url, apiKey, apiSecret).createRoom({ name: 'call-1' });
    });

    it('starts an audio-only room composite egress, keeping the request and its file output', async () => {
      const info = await egress.startRoomCompositeEgress('call-1', output(), { audioOnly: true });
      expect(info.egressId).toMatch(/^EG_/);
      expect(info.status).toBe(EgressStatus.EGRESS_STARTING);
      expect(info.roomName).toBe('call-1');
      expect(info.roomId).toBe(fake.rooms[0]!.sid);
      expect(info.request.case).toBe('roomComposite');

      expect(fake.egresses).toHaveLength(1);
      const [recorded] = fake.egresses;
      expect(recorded).toMatchObject({ egressId: info.egressId, roomName: 'call-1', status: 'EGRESS_STARTING' });
      expect(recorded!.request).toMatchObject({ roomName: 'call-1', audioOnly: true });
      expect(recorded!.file).toEqual({
        fileType: 'OGG',
        filepath: 'rec/t1/s1.ogg',
        s3: { bucket: 'calls', accessKey: 'AK', secret: 'SK', region: 'us-east-1' },
      });
      const [req] = fake.requestsTo('Egress', 'StartRoomCompositeEgress');
      expect(req!.path).toBe('/twirp/livekit.Egress/StartRoomCompositeEgress');
      expect(req!.grants?.video).toEqual({ roomRecord: true });
    });

    it('refuses a room that does not exist with not_found', async () => {
      await expect(egress.startRoomCompositeEgress('nope', output(), { audioOnly: true })).rejects.toMatchObject({
        status: 404,
        code: 'not_found',
        message: 'requested room does not exist',
      });
      expect(fake.egresses).toEqual([]);
    });

    it('stops an egress once; a second stop or an unknown id fails as the real server does', async () => {
      const { egressId } = await egress.startRoomCompositeEgress('call-1', output(), { audioOnly: true });
      fake.setEgressStatus(egressId, 'EGRESS_ACTIVE');
      const stopped = await egress.stopEgress(egressId);
      expect(stopped.status).toBe(EgressStatus.EGRESS_ENDING);
      expect(fake.egresses[0]).toMatchObject({ status: 'EGRESS_COMPLETE', endedAt: expect.stringMatching(/^\d+$/) });
      expect(fake.requestsTo('Egress', 'StopEgress')[0]!.body).toEqual({ egressId });

      await expect(egress.stopEgress(egressId)).rejects.toMatchObject({
        status: 412,
        code: 'failed_precondition',
        message: 'egress with status EGRESS_COMPLETE cannot be stopped',
      });
      await expect(egress.stopEgress('EG_unknown')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    });

    it('lists egresses by room, id and activity; deleting the room completes its egress', async () => {
      await new RoomServiceClient(fake.url, apiKey, apiSecret).createRoom({ name: 'call-2' });
      const a = await egress.startRoomCompositeEgress('call-1', output(), { audioOnly: true });
      const b = await egress.startRoomCompositeEgress('call-2', output(), { audioOnly: true });

      expect((await egress.listEgress()).map((e) => e.egressId)).toEqual([a.egressId, b.egressId]);
      expect((await egress.listEgress({ roomName: 'call-2' })).map((e) => e.egressId)).toEqual([b.egressId]);
      expect((await egress.listEgress({ egressId: a.egressId })).map((e) => e.roomName)).toEqual(['call-1']);

      await new RoomServiceClient(fake.url, apiKey, apiSecret).deleteRoom('call-1');
      const listed = await egress.listEgress({ active: true });
      expect(listed.map((e) => e.egressId)).toEqual([b.egressId]);
      expect((await egress.listEgress({ egressId: a.egressId }))[0]!.status).toBe(EgressStatus.EGRESS_COMPLETE);
    });

    it('needs the roomRecord grant', async () => {
      const rooms = new RoomServiceClient(fake.url, apiKey, apiSecret);
      await rooms.listRooms();
      const token = (fake.requestsTo('RoomService', 'ListRooms')[0]!.headers.authorization as string).slice(7);
      const borrowed = new EgressClient(fake.url, apiKey, apiSecret, { token });
      await expect(borrowed.startRoomCompositeEgress('call-1', output(), { audioOnly: true })).rejects.toMatchObject({
        status: 403,
        code: 'permission_denied',
      });
      expect(fake.egresses).toEqual([]);
    });
  });

  it('rejects a token signed with the wrong secret as unauthenticated', async () => {
    const wrong = new SipClient(fake.url, apiKey, 'another-secret-that-is-long-enough-0123');
    await expect(wrong.createSipInboundTrunk('in', ['+15550100'])).rejects.toMatchObject({ status: 401, code: 'unauthenticated' });
    expect(fake.inboundTrunks).toEqual([]);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.grants).toBeUndefined();
  });

  it('rejects a token without the grant the method needs as permission_denied', async () => {
    // RoomService tokens carry video grants only; a SIP method needs sip.admin.
    const rooms = new RoomServiceClient(fake.url, apiKey, apiSecret);
    await rooms.createRoom({ name: 'r' });
    const token = fake.requests[0]!.headers.authorization as string;
    const borrowed = new SipClient(fake.url, apiKey, apiSecret, { token: token.slice(7) });
    await expect(borrowed.listSipInboundTrunk()).rejects.toMatchObject({ status: 403, code: 'permission_denied' });
  });
});

import { FakeLiveKit } from '@callplane/testing';
import { CallNotConnected, LiveKitCalls } from './livekit-calls';
import { LiveKitError, LiveKitSip } from './livekit-sip';

const apiKey = 'APIlivekitcalls';
const apiSecret = 'livekit-calls-spec-secret-0123456789abcdef';

describe('LiveKitCalls against FakeLiveKit', () => {
  let fake: FakeLiveKit;
  let calls: LiveKitCalls;
  let trunkId: string;

  beforeEach(async () => {
    fake = new FakeLiveKit({ apiKey, apiSecret });
    await fake.start();
    calls = new LiveKitCalls({ url: fake.url, apiKey, apiSecret });
    trunkId = (await new LiveKitSip({ url: fake.url, apiKey, apiSecret }).createOutbound({ number: '+14155550100', name: 'out', address: 'acme.pstn.twilio.com' })).trunkId;
  });
  afterEach(() => fake.stop());

  const input = (over: Partial<Parameters<LiveKitCalls['dial']>[0]> = {}) => ({
    sessionId: 'cs_1',
    roomName: 'call-cs_1',
    metadata: { session_id: 'cs_1', context: { customer_name: 'Asha' } },
    trunkId,
    to: '+919876543210',
    from: '+14155550100',
    ringingTimeoutSeconds: 30,
    maxCallDurationSeconds: 600,
    ...over,
  });

  it('prepares the room with the agent dispatched, then dials the callee into it, waiting for the answer', async () => {
    await calls.prepareRoom(input());
    const answered = await calls.dial(input());
    expect(answered.sipCallId).toMatch(/^SCL/);
    expect(fake.requests.slice(1).map((r) => r.rpc)).toEqual(['CreateRoom', 'CreateDispatch', 'CreateSIPParticipant']);
    expect(fake.dispatches[0]).toMatchObject({ room: 'call-cs_1', agentName: 'voice-agent' });
    expect(JSON.parse(fake.dispatches[0]!.metadata as string)).toEqual({ session_id: 'cs_1', context: { customer_name: 'Asha' } });
    expect(fake.sipParticipants[0]!.request).toMatchObject({
      sipTrunkId: trunkId,
      sipCallTo: '+919876543210',
      sipNumber: '+14155550100',
      roomName: 'call-cs_1',
      participantIdentity: 'sip-cs_1',
      participantAttributes: { 'callplane.session_id': 'cs_1' },
      waitUntilAnswered: true,
    });
  });

  it.each([
    [486, 'busy'],
    [480, 'no_answer'],
    [487, 'no_answer'],
    [503, 'failed'],
  ])('a callee answering SIP %i is a %s call, not a LiveKit failure', async (status, state) => {
    fake.failSipCall(status);
    const err = await calls.dial(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CallNotConnected);
    expect(err).toMatchObject({ sipStatus: status, state });
  });

  it('LiveKit itself failing is a LiveKitError (retryable on 5xx), without the API secret in it', async () => {
    fake.failNext({ path: /CreateRoom/ }, { status: 503, body: { code: 'unavailable', msg: 'down' } });
    const err = await calls.prepareRoom(input()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LiveKitError);
    expect((err as LiveKitError).retryable).toBe(true);
    expect(String((err as Error).message)).not.toContain(apiSecret);
  });

  it('ending a call deletes its room; a room already gone counts as ended', async () => {
    await calls.prepareRoom(input());
    await calls.endCall('call-cs_1');
    expect(fake.rooms).toEqual([]);
    await expect(calls.endCall('call-cs_1')).resolves.toBeUndefined();
  });
});

import { randomBytes } from 'node:crypto';
import { newId } from '@callplane/contracts';
import { SESSION_ATTRIBUTE } from '@callplane/livekit';
import { SecretBox } from '@callplane/service-kit';
import {
  apiError,
  bootTestService,
  httpRequest,
  liveKitEvent,
  newCallSid,
  signLiveKitWebhook,
  twilioSignature,
  uniquePhoneNumber,
  uniqueSuffix,
  type TestService,
} from '@callplane/testing';
import { createGatewayModule } from './app';

const PUBLIC_BASE_URL = 'https://voice.example.com';
const LIVEKIT = { apiKey: 'APIgatewayspec', apiSecret: 'gateway-spec-livekit-secret-0123456789abcdef' };
const SIGNING_SECRET = 'twilio-auth-token-for-reports';

/**
 * Everything that happens to a call after it starts, from each source: Twilio status callbacks and LiveKit
 * webhooks, through the one call-state machine, over HTTP against real PostgreSQL.
 */
describe('call reports: Twilio status callbacks and LiveKit webhooks', () => {
  let svc: TestService;
  const secrets = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    svc = await bootTestService({
      name: 'telephony-gateway',
      modules: ({ platform, routerDeps }) => [
        createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: 'sip.livekit.example.com', livekit: LIVEKIT }),
      ],
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  async function seed(provider = 'sip') {
    const tenantId = newId('tenant');
    await svc.prisma.tenant.create({ data: { id: tenantId, name: `Reports spec ${uniqueSuffix()}` } });
    const agentId = newId('agent');
    await svc.prisma.agent.create({
      data: { id: agentId, tenantId, name: 'Agent', systemPrompt: 'Be kind.', voice: { greeting: 'Hi', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 600, recording: false, transcription: true } },
    });
    const phoneId = newId('phoneNumber');
    const number = uniquePhoneNumber();
    await svc.prisma.phoneNumber.create({
      data: { id: phoneId, tenantId, number, provider, agentId, signingSecretEnc: provider === 'sip' ? secrets.seal(SIGNING_SECRET) : null },
    });
    return { tenantId, agentId, phoneId, number };
  }

  const signedPost = (path: string, form: Record<string, string>, secret = SIGNING_SECRET) =>
    httpRequest('POST', `${svc.url}${path}`, { form, headers: { 'x-twilio-signature': twilioSignature(secret, `${PUBLIC_BASE_URL}${path}`, form) } });

  async function inboundCall() {
    const n = await seed();
    const callSid = newCallSid();
    const res = await signedPost(`/twilio/incoming/${n.phoneId}`, { CallSid: callSid, AccountSid: `AC${'1'.repeat(32)}`, From: '+14155550123', To: n.number, CallStatus: 'ringing', Direction: 'inbound', ApiVersion: '2010-04-01' });
    expect(res.status).toBe(200);
    const session = await svc.prisma.callSession.findFirstOrThrow({ where: { providerCallId: callSid } });
    return { ...n, callSid, sessionId: session.id };
  }
  const status = (phoneId: string, form: Record<string, string>, secret?: string) => signedPost(`/twilio/status/${phoneId}`, form, secret);
  const eventTypes = async (sessionId: string) =>
    (await svc.prisma.outboxEvent.findMany({ where: { key: sessionId }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => (e.envelope as { type: string }).type);
  const session = (id: string) => svc.prisma.callSession.findUniqueOrThrow({ where: { id } });

  describe('POST /twilio/status/:phone_id', () => {
    it('in-progress then completed: answered and ended, duration from CallDuration, one event each', async () => {
      const c = await inboundCall();
      expect((await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'in-progress' })).status).toBe(204);
      const done = await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'completed', CallDuration: '42', Timestamp: 'Wed, 25 Nov 2026 10:01:00 +0000' });
      expect(done.status).toBe(204);
      expect(await session(c.sessionId)).toMatchObject({ status: 'completed', endedAt: new Date('2026-11-25T10:01:00Z'), endReason: 'completed' });
      expect(await eventTypes(c.sessionId)).toEqual(['call.initiating', 'call.in_progress', 'call.completed']);
    });

    it("the <Sip> leg's callbacks (their own CallSid, the call's as ParentCallSid) move the call: LiveKit answering puts it in progress", async () => {
      const c = await inboundCall();
      const leg = newCallSid();
      expect((await status(c.phoneId, { CallSid: leg, ParentCallSid: c.callSid, CallStatus: 'ringing' })).status).toBe(204);
      expect((await status(c.phoneId, { CallSid: leg, ParentCallSid: c.callSid, CallStatus: 'in-progress' })).status).toBe(204);
      expect(await eventTypes(c.sessionId)).toEqual(['call.initiating', 'call.ringing', 'call.in_progress']);
      expect(await svc.prisma.callSession.count({ where: { providerCallId: leg } })).toBe(0);
    });

    it('completed without a prior answer takes the answer time from CallDuration', async () => {
      const c = await inboundCall();
      await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'completed', CallDuration: '30', Timestamp: 'Wed, 25 Nov 2026 10:01:00 +0000' });
      expect(await session(c.sessionId)).toMatchObject({ status: 'completed', answeredAt: new Date('2026-11-25T10:00:30Z') });
    });

    it.each([
      ['busy', 'busy', undefined],
      ['no-answer', 'no_answer', undefined],
      ['failed', 'failed', '503'],
      ['canceled', 'canceled', undefined],
    ])('CallStatus %s → %s with its end reason and SIP status', async (twilioStatus, state, sip) => {
      const c = await inboundCall();
      await status(c.phoneId, { CallSid: c.callSid, CallStatus: twilioStatus, ...(sip ? { SipResponseCode: sip } : {}) });
      expect(await session(c.sessionId)).toMatchObject({ status: state, endReason: state, sipStatus: sip ? Number(sip) : null });
      expect(await eventTypes(c.sessionId)).toEqual(['call.initiating', `call.${state}`]);
    });

    it('the same callback delivered 10 times at once, and a late ringing after the end, change the call once', async () => {
      const c = await inboundCall();
      const form = { CallSid: c.callSid, CallStatus: 'completed', CallDuration: '5' };
      const results = await Promise.all(Array.from({ length: 10 }, () => status(c.phoneId, form)));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(204));
      await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'ringing' });
      await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'in-progress' });
      expect(await eventTypes(c.sessionId)).toEqual(['call.initiating', 'call.completed']);
      expect((await session(c.sessionId)).status).toBe('completed');
    });

    it('refuses forged signatures (403), bad parameters (400) and unknown numbers (404); unknown calls are accepted and ignored; nothing is written', async () => {
      const c = await inboundCall();
      const before = await svc.prisma.outboxEvent.count();
      const forged = await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'completed' }, 'not-the-secret');
      expect({ status: forged.status, code: apiError(forged).code }).toEqual({ status: 403, code: 'invalid_signature' });
      const bad = await status(c.phoneId, { CallSid: c.callSid, CallStatus: 'exploded' });
      expect({ status: bad.status, code: apiError(bad).code }).toEqual({ status: 400, code: 'validation_failed' });
      expect((await status(c.phoneId, { CallSid: 'CA123', CallStatus: 'completed' })).status).toBe(400);
      expect((await status('pn_doesnotexist00000000', { CallSid: c.callSid, CallStatus: 'completed' })).status).toBe(404);
      expect((await status(c.phoneId, { CallSid: newCallSid(), CallStatus: 'completed' })).status).toBe(204);
      expect(await svc.prisma.outboxEvent.count()).toBe(before);
      expect((await session(c.sessionId)).status).toBe('initiating');
    });
  });

  describe('POST /livekit/webhook', () => {
    const send = async (body: string, auth?: string | null, contentType = 'application/webhook+json') =>
      httpRequest('POST', `${svc.url}/livekit/webhook`, {
        rawBody: body,
        headers: { 'content-type': contentType, ...(auth === null ? {} : { authorization: auth ?? (await signLiveKitWebhook(body, LIVEKIT)) }) },
      });
    const sipParticipant = (attributes: Record<string, string>) => ({ identity: `sip_${uniqueSuffix()}`, kind: 'SIP' as const, attributes });

    it('a forwarded call: the SIP participant joining answers it (room remembered), leaving ends it; redeliveries change nothing', async () => {
      const c = await inboundCall();
      const room = `call-${uniqueSuffix()}`;
      const p = sipParticipant({ [SESSION_ATTRIBUTE]: c.sessionId, 'sip.callStatus': 'active', 'sip.phoneNumber': '+14155550123' });
      const joined = liveKitEvent({ event: 'participant_joined', room, participant: p, createdAt: new Date('2026-11-25T10:00:05Z') });
      expect((await send(joined)).status).toBe(200);
      expect(await session(c.sessionId)).toMatchObject({ status: 'in_progress', roomName: room, answeredAt: new Date('2026-11-25T10:00:05Z') });
      const left = liveKitEvent({ event: 'participant_left', room, participant: p, createdAt: new Date('2026-11-25T10:01:05Z') });
      expect((await send(left)).status).toBe(200);
      for (const again of [joined, left, liveKitEvent({ event: 'room_finished', room })]) expect((await send(again)).status).toBe(200);
      expect(await session(c.sessionId)).toMatchObject({ status: 'completed', endReason: 'hangup', endedAt: new Date('2026-11-25T10:01:05Z') });
      expect(await eventTypes(c.sessionId)).toEqual(['call.initiating', 'call.in_progress', 'call.completed']);
    });

    it('a SIP-direct call (Plivo Zentrunk) gets its session from the trunk number it called, once, and ends when the room closes', async () => {
      const n = await seed('plivo');
      const room = `call-${uniqueSuffix()}`;
      const callId = `SCL_${uniqueSuffix()}`;
      const joined = liveKitEvent({
        event: 'participant_joined',
        room,
        participant: sipParticipant({ 'sip.callStatus': 'active', 'sip.trunkPhoneNumber': n.number.slice(1), 'sip.phoneNumber': '+919876543210', 'sip.callID': callId }),
      });
      const results = await Promise.all([send(joined), send(joined), send(joined)]);
      expect(results.map((r) => r.status)).toEqual([200, 200, 200]);
      const sessions = await svc.prisma.callSession.findMany({ where: { phoneNumberId: n.phoneId } });
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({
        tenantId: n.tenantId,
        agentId: n.agentId,
        direction: 'inbound',
        provider: 'plivo',
        providerCallId: callId,
        fromNumber: '+919876543210',
        toNumber: n.number,
        status: 'in_progress',
        roomName: room,
      });
      expect(await eventTypes(sessions[0]!.id)).toEqual(['call.initiating', 'call.in_progress']);
      // The caller is on the first event, for analytics' leads.
      const first = await svc.prisma.outboxEvent.findFirstOrThrow({ where: { key: sessions[0]!.id } });
      expect(first.envelope).toMatchObject({ data: { direction: 'inbound', from_number: '+919876543210' } });

      expect((await send(liveKitEvent({ event: 'room_finished', room }))).status).toBe(200);
      expect(await session(sessions[0]!.id)).toMatchObject({ status: 'completed', endReason: 'room_closed' });
    });

    it('a participant_left that overtakes its participant_joined still lets the call end with the room', async () => {
      const n = await seed('vobiz');
      const room = `call-${uniqueSuffix()}`;
      const p = sipParticipant({ 'sip.trunkPhoneNumber': n.number, 'sip.phoneNumber': '+919812345678', 'sip.callID': `SCL_${uniqueSuffix()}` });
      expect((await send(liveKitEvent({ event: 'participant_left', room, participant: p }))).status).toBe(200);
      expect(await svc.prisma.callSession.count({ where: { phoneNumberId: n.phoneId } })).toBe(0);
      await send(liveKitEvent({ event: 'participant_joined', room, participant: p }));
      await send(liveKitEvent({ event: 'room_finished', room }));
      const s = await svc.prisma.callSession.findFirstOrThrow({ where: { phoneNumberId: n.phoneId } });
      expect(s.status).toBe('completed');
    });

    it('refuses unsigned, forged and tampered webhooks (403) and bad JSON (400); ignores what is not a call; writes nothing', async () => {
      const n = await seed('plivo');
      const body = liveKitEvent({ event: 'participant_joined', room: 'call-x', participant: sipParticipant({ 'sip.trunkPhoneNumber': n.number, 'sip.callID': 'SCL_forged' }) });
      const before = await svc.prisma.outboxEvent.count();
      expect((await send(body, null)).status).toBe(403);
      expect((await send(body, await signLiveKitWebhook(body, { apiKey: LIVEKIT.apiKey, apiSecret: 'another-secret-0123456789abcdef0123' }))).status).toBe(403);
      expect((await send(body.replace('call-x', 'call-y'), await signLiveKitWebhook(body, LIVEKIT))).status).toBe(403);
      const badJson = '{"event": ';
      const bad = await send(badJson, await signLiveKitWebhook(badJson, LIVEKIT));
      expect({ status: bad.status, code: apiError(bad).code }).toEqual({ status: 400, code: 'invalid_json' });
      // A browser participant, a track event, and a trunk number that is not ours: accepted, nothing to do.
      expect((await send(liveKitEvent({ event: 'participant_joined', room: 'call-x', participant: { identity: 'agent', kind: 'AGENT' } }))).status).toBe(200);
      expect((await send(liveKitEvent({ event: 'track_published', room: 'call-x' }))).status).toBe(200);
      expect((await send(liveKitEvent({ event: 'participant_joined', room: 'call-z', participant: sipParticipant({ 'sip.trunkPhoneNumber': uniquePhoneNumber() }) }))).status).toBe(200);
      expect(await svc.prisma.outboxEvent.count()).toBe(before);
      expect(await svc.prisma.callSession.count({ where: { phoneNumberId: n.phoneId } })).toBe(0);
    });
  });
});

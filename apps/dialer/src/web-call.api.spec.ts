import { openOutboundSession } from '@callplane/calls';
import { newId, TOPICS, WEB_CALL_TOKEN_TTL_SECONDS, webCallMetadataSchema, type EventEnvelope } from '@callplane/contracts';
import { CALL_ROOM_PREFIX } from '@callplane/livekit';
import { apiError, expectApiError, pollUntil } from '@callplane/testing';
import { TokenVerifier } from 'livekit-server-sdk';
import { LIVEKIT_KEYS, PUBLIC_BASE_URL, TestClock, useDialerService } from './dialer.test-harness';

type Dialer = ReturnType<typeof useDialerService>;

/** A tenant's user and one agent (max_duration 300), and the API calls of a web call on their behalf. */
async function newBuilder(dialer: Dialer) {
  const user = await dialer.newTenantUser('Web call');
  const agentId = await dialer.newAgent(user.tenantId);
  return {
    ...user,
    agentId,
    create: (json: unknown, headers?: Record<string, string>) => dialer.call('POST', '/voice/studio/web-call', { token: user.apiKey, json, headers }),
    end: (sessionId: string) => dialer.call('POST', `/voice/studio/web-call/${sessionId}/end`, { token: user.apiKey }),
  };
}

/** What a refused request must not have written: the tenant's sessions, tokens and events, and LiveKit's rooms. */
async function footprint(dialer: Dialer, tenantId: string) {
  const prisma = dialer.prisma();
  return {
    sessions: await prisma.callSession.count({ where: { tenantId } }),
    tokens: await prisma.webCallToken.count({ where: { tenantId } }),
    events: await prisma.outboxEvent.count({ where: { envelope: { path: ['tenant_id'], equals: tenantId } } }),
    rooms: dialer.livekit.rooms.length,
    dispatches: dialer.livekit.dispatches.length,
  };
}

describe('web calls with LiveKit', () => {
  const dialer = useDialerService();

  it('creates the room, dispatches the voice agent with the call plan, and hands the browser a token for that room only, valid a few minutes', async () => {
    const me = await newBuilder(dialer);
    const res = await me.create({ agent_id: me.agentId });
    expect(res.status).toBe(201);
    const sessionId = String(res.body.session_id);
    const roomName = `${CALL_ROOM_PREFIX}${sessionId}`;
    expect(res.body).toEqual({ session_id: sessionId, transport: 'livekit', server_url: dialer.livekit.url.replace(/^http/, 'ws'), participant_token: expect.any(String), room_name: roomName });

    expect(dialer.livekit.rooms.map((r) => r.name)).toContain(roomName);
    const dispatch = dialer.livekit.dispatches.find((d) => d.room === roomName);
    expect(dispatch).toMatchObject({ agentName: 'voice-agent' });
    const plan = webCallMetadataSchema.parse(JSON.parse(String(dispatch!.metadata)));
    expect(plan).toMatchObject({ session_id: sessionId, tenant_id: me.tenantId, direction: 'web', call_type: 'studio_test', max_duration_seconds: 300, agent: { id: me.agentId, system_prompt: 'You call {{customer_name}} about their order.' } });

    // Decoded and checked with the real SDK: join this room, publish the microphone, hear the agent; nothing more.
    const claims = await new TokenVerifier(LIVEKIT_KEYS.apiKey, LIVEKIT_KEYS.apiSecret).verify(String(res.body.participant_token));
    expect(claims.sub).toBe(`web-${sessionId}`);
    expect(claims.video).toEqual({ roomJoin: true, room: roomName, canPublish: true, canPublishSources: ['microphone'], canSubscribe: true, canPublishData: true });
    expect(claims.sip).toBeUndefined();
    const { exp, nbf } = claims as unknown as { exp: number; nbf: number };
    expect(exp - nbf).toBe(300);
    expect(exp * 1000 - Date.now()).toBeLessThanOrEqual(300_000);

    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({
      tenantId: me.tenantId,
      agentId: me.agentId,
      direction: 'web',
      callType: 'studio_test',
      provider: 'web',
      status: 'initiating',
      roomName,
      maxDurationSeconds: 300,
      fromNumber: `web:${me.userId}`,
    });
    const events = await dialer.prisma().outboxEvent.findMany({ where: { key: sessionId, topic: TOPICS.callLifecycle } });
    expect(events.map((e) => (e.envelope as unknown as EventEnvelope).type)).toEqual(['call.initiating']);
    // No telephony, no trial number, no test-call quota.
    expect(dialer.livekit.requestsTo('SIP', 'CreateSIPParticipant').filter((r) => JSON.stringify(r.body).includes(sessionId))).toEqual([]);
    expect(await dialer.prisma().outboundCall.count({ where: { tenantId: me.tenantId } })).toBe(0);
    expect((await dialer.call('GET', '/voice/studio/quota', { token: me.apiKey })).body).toMatchObject({ used: 0 });
  });

  it('End Call deletes the room and ends the session ended_by_user; ending it again changes nothing', async () => {
    const me = await newBuilder(dialer);
    const sessionId = String((await me.create({ agent_id: me.agentId })).body.session_id);
    const roomName = `${CALL_ROOM_PREFIX}${sessionId}`;
    const end = await me.end(sessionId);
    expect(end.status).toBe(200);
    expect(end.body).toEqual({ ended: true });
    expect(dialer.livekit.rooms.some((r) => r.name === roomName)).toBe(false);
    const ended = await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } });
    expect(ended).toMatchObject({ status: 'completed', endReason: 'ended_by_user' });
    const deletes = dialer.livekit.requestsTo('RoomService', 'DeleteRoom').length;
    expect((await me.end(sessionId)).status).toBe(200);
    expect(dialer.livekit.requestsTo('RoomService', 'DeleteRoom').length).toBe(deletes);
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } })).toEqual(ended);
  });

  it('the same Idempotency-Key and body answer the first call again and create nothing more', async () => {
    const me = await newBuilder(dialer);
    const first = await me.create({ agent_id: me.agentId }, { 'idempotency-key': 'web-call-once' });
    const again = await me.create({ agent_id: me.agentId }, { 'idempotency-key': 'web-call-once' });
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect(await dialer.prisma().callSession.count({ where: { tenantId: me.tenantId } })).toBe(1);
  });

  it('refuses an unknown agent or another tenant\'s (404), a bad body (400 validation_failed) and no key (401), writing nothing', async () => {
    const me = await newBuilder(dialer);
    const other = await newBuilder(dialer);
    const before = await footprint(dialer, me.tenantId);
    expectApiError(await me.create({ agent_id: newId('agent') }), 404, 'not_found');
    expectApiError(await me.create({ agent_id: other.agentId }), 404, 'not_found');
    for (const [body, field] of [
      [{}, 'agent_id'],
      [{ agent_id: 42 }, 'agent_id'],
      [{ agent_id: '' }, 'agent_id'],
      [{ agent_id: me.agentId, to_number: '+14155550100' }, 'to_number'],
    ] as const) {
      const res = await me.create(body);
      expectApiError(res, 400, 'validation_failed');
      expect(apiError(res).details?.map((d) => d.field)).toEqual([field]);
    }
    expectApiError(await dialer.call('POST', '/voice/studio/web-call', { json: { agent_id: me.agentId } }), 401, 'unauthorized');
    expect(await footprint(dialer, me.tenantId)).toEqual(before);
  });

  it("refuses to end another tenant's web call, an unknown one, or a session that is not a web call (404), changing nothing", async () => {
    const me = await newBuilder(dialer);
    const other = await newBuilder(dialer);
    const theirs = String((await other.create({ agent_id: other.agentId })).body.session_id);
    const phoneCall = newId('callSession');
    await dialer.prisma().$transaction((tx) =>
      openOutboundSession(tx, { id: phoneCall, tenantId: me.tenantId, agentId: me.agentId, phoneNumberId: null, callType: 'production', fromNumber: '+14155550100', toNumber: '+14155550199', provider: 'sip', roomName: `${CALL_ROOM_PREFIX}${phoneCall}`, at: new Date() }),
    );
    const before = { mine: await footprint(dialer, me.tenantId), theirs: await footprint(dialer, other.tenantId) };
    for (const id of [theirs, newId('callSession'), phoneCall, 'x'.repeat(101)]) {
      const res = await me.end(id);
      expect(res.status).toBe(id.length > 100 ? 400 : 404);
    }
    expect({ mine: await footprint(dialer, me.tenantId), theirs: await footprint(dialer, other.tenantId) }).toEqual(before);
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: theirs } })).toMatchObject({ status: 'initiating' });
  });

  it('/openapi.json lists both routes, with the created call\'s two shapes', async () => {
    const doc = (await dialer.call('GET', '/openapi.json')).body as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    expect(Object.keys(doc.paths['/voice/studio/web-call']!)).toEqual(['post']);
    expect(Object.keys(doc.paths['/voice/studio/web-call/{session_id}/end']!)).toEqual(['post']);
    const created = JSON.stringify(doc.paths['/voice/studio/web-call']!.post!.responses['201']);
    expect(created).toContain('participant_token');
    expect(created).toContain('"websocket"');
  });

  it('LiveKit failing to take the room answers 502 livekit_unavailable and leaves no session', async () => {
    const me = await newBuilder(dialer);
    const before = await footprint(dialer, me.tenantId);
    dialer.livekit.failNext({ path: /CreateRoom/ }, { status: 503, body: { code: 'unavailable', msg: 'down' } });
    const res = await me.create({ agent_id: me.agentId });
    expectApiError(res, 502, 'livekit_unavailable');
    expect(await footprint(dialer, me.tenantId)).toEqual(before);
  });
});

describe('web calls without LiveKit (the sandbox)', () => {
  const clock = new TestClock();
  const dialer = useDialerService({ livekit: false, clock });

  it('answers a socket URL on PUBLIC_BASE_URL with a single-use token, kept only hashed, good for a minute', async () => {
    const me = await newBuilder(dialer);
    const res = await me.create({ agent_id: me.agentId });
    expect(res.status).toBe(201);
    const sessionId = String(res.body.session_id);
    expect(res.body).toEqual({ session_id: sessionId, transport: 'websocket', url: expect.stringMatching(new RegExp(`^wss://callplane\\.example\\.com/voice/web-call/${sessionId}/audio\\?token=wct_[A-Za-z0-9_-]{43}$`)) });
    expect(PUBLIC_BASE_URL).toBe('https://callplane.example.com');
    const token = new URL(String(res.body.url)).searchParams.get('token')!;
    expect(token).not.toContain(me.apiKey);
    const row = await dialer.prisma().webCallToken.findUniqueOrThrow({ where: { sessionId } });
    expect(JSON.stringify(row)).not.toContain(token);
    expect(row).toMatchObject({ tenantId: me.tenantId, usedAt: null, expiresAt: new Date(clock.now().getTime() + WEB_CALL_TOKEN_TTL_SECONDS * 1000) });
    expect(webCallMetadataSchema.parse(row.metadata)).toMatchObject({ session_id: sessionId, direction: 'web', max_duration_seconds: 300 });
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({ direction: 'web', provider: 'web', roomName: null, status: 'initiating' });
  });

  it('a call whose browser never connects ends failed, not_connected, once its token has expired', async () => {
    const me = await newBuilder(dialer);
    const sessionId = String((await me.create({ agent_id: me.agentId })).body.session_id);
    // The watchdog (every second, on the spec's clock) ends it once the token's minute is over.
    clock.advance((WEB_CALL_TOKEN_TTL_SECONDS + 1) * 1000);
    const ended = await pollUntil(
      async () => {
        const s = await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } });
        return s.endedAt ? s : null;
      },
      { description: 'the unconnected web call ended' },
    );
    expect(ended).toMatchObject({ status: 'failed', endReason: 'not_connected', answeredAt: null });
  });

  it('End Call before the browser connects ends the session; the sandbox is told to hang up', async () => {
    const me = await newBuilder(dialer);
    const sessionId = String((await me.create({ agent_id: me.agentId })).body.session_id);
    expect((await me.end(sessionId)).status).toBe(200);
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({ status: 'completed', endReason: 'ended_by_user' });
    const commands = await dialer.prisma().outboxEvent.findMany({ where: { key: sessionId, topic: TOPICS.dialerCommands } });
    expect(commands.map((c) => (c.envelope as unknown as EventEnvelope).data)).toEqual([{ session_id: sessionId }]);
  });
});

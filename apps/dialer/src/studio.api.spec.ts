import { sqlOver } from '@callplane/db';
import { randomInt } from 'node:crypto';
import { CallTransitions, openOutboundSession } from '@callplane/calls';
import { toE164 } from '@callplane/contracts';
import { CALL_ROOM_PREFIX, LiveKitCalls, LiveKitSip } from '@callplane/livekit';
import { createLogger } from '@callplane/service-kit';
import { apiError, expectApiError, pollUntil, uniquePhoneNumber } from '@callplane/testing';
import { DEFAULT_SETTINGS, LIVEKIT_KEYS, TestClock, useDialerService } from './dialer.test-harness';
import type { DialerDeps, DialerSettings } from './usecases/deps';
import { admitTestCall } from './usecases/studio.usecase';
import { addTrialNumber } from './usecases/trial-pool';

// Limits other than API.md's defaults, so the refusals prove they show the configured numbers.
const SETTINGS: Partial<DialerSettings> = { testCallUserDailyLimit: 4, testCallDestinationDailyLimit: 2, testCallMaxSeconds: 120, testCallDispatchTimeoutSeconds: 90 };
const clock = new TestClock();
const dialer = useDialerService({ clock, settings: SETTINGS });

const VOBIZ = { sip_domain: 'trial01.sip.vobiz.ai', username: 'trial-user', password: 'trial-sip-secret-0001' };
const PLIVO = { sip_domain: '12345678901234.zt.plivo.com', username: 'trial-plivo', password: 'plivo-sip-secret-0002' };

/** A valid Indian mobile number in E.164, different every call. */
function uniqueIndianNumber(): string {
  for (;;) {
    const n = toE164(`+919${randomInt(100_000_000, 999_999_999)}`);
    if (n) return n;
  }
}

/** What the dialer module builds for itself, on the spec's database and clock (for use-case calls that skip HTTP). */
function specDeps(): DialerDeps {
  const prisma = dialer.prisma();
  const outbox = { notify: () => undefined };
  return {
    prisma,
    sql: sqlOver(prisma),
    secrets: dialer.secrets,
    livekit: new LiveKitCalls({ url: dialer.livekit.url, ...LIVEKIT_KEYS }),
    transitions: new CallTransitions({ prisma, outbox }),
    outbox,
    logger: createLogger({ name: 'studio-spec', level: 'silent' }),
    settings: { ...DEFAULT_SETTINGS, ...SETTINGS },
    now: clock.now,
    inflight: new Set(),
    replica: 'dialer-spec',
  };
}

const sip = () => new LiveKitSip({ url: dialer.livekit.url, ...LIVEKIT_KEYS });
const admin = () => dialer.service().adminToken;
/** An Indian trial number with its LiveKit outbound trunk (the operator route's `sip` is wired by the composition root). */
const addIndianTrial = () => addTrialNumber(specDeps(), { number: uniqueIndianNumber(), provider: 'vobiz', credentials: VOBIZ }, sip());
/** A US trial number without a trunk: its calls fail at dispatch (`no_outbound_trunk`), which frees it again. */
const addUsTrial = () => addTrialNumber(specDeps(), { number: uniquePhoneNumber(), provider: 'plivo', credentials: PLIVO });

async function newCaller() {
  const user = await dialer.newTenantUser('Studio');
  const agentId = await dialer.newAgent(user.tenantId);
  const testCall = (to_number: string) => dialer.call('POST', '/voice/studio/test-call', { token: user.apiKey, json: { agent_id: agentId, to_number } });
  const quota = async () => (await dialer.call('GET', '/voice/studio/quota', { token: user.apiKey })).body;
  return { ...user, agentId, testCall, quota };
}

const trialOf = async (sessionId: string) => {
  const call = await dialer.prisma().outboundCall.findUniqueOrThrow({ where: { id: sessionId } });
  return dialer.prisma().trialNumber.findUniqueOrThrow({ where: { id: call.trialNumberId! } });
};
const released = (sessionId: string) => pollUntil(async () => (await dialer.prisma().trialNumber.count({ where: { inUseBy: sessionId } })) === 0, { description: `the trial number of ${sessionId} released` });

describe('operator trial pool', () => {
  // The numbers added here (some without a trunk, one US number with one) would change which number later calls lease.
  afterAll(() => dialer.prisma().trialNumber.deleteMany({}));

  it('adds a +91 Vobiz number: 201 without credentials, sealed at rest, listed with in_use_by', async () => {
    const number = uniqueIndianNumber();
    const res = await dialer.call('POST', '/admin/trial-pool', { token: admin(), json: { number, provider: 'vobiz', credentials: VOBIZ } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ number, provider: 'vobiz', region: 'IN', in_use_by: null });
    expect(res.text).not.toContain(VOBIZ.password);
    const row = await dialer.prisma().trialNumber.findUniqueOrThrow({ where: { id: String(res.body.id) } });
    expect(row.credentialsEnc).not.toContain(VOBIZ.password);
    expect(JSON.parse(dialer.secrets.open(row.credentialsEnc!))).toEqual(VOBIZ);

    const list = await dialer.call('GET', '/admin/trial-pool', { token: admin() });
    expect(list.status).toBe(200);
    expect((list.body.data as Array<Record<string, unknown>>).find((n) => n.id === res.body.id)).toMatchObject({ id: res.body.id, number, provider: 'vobiz', region: 'IN', in_use_by: null });
    expect(list.text).not.toContain(VOBIZ.password);
  });

  it('refuses numbers outside +91/+1, a provider that does not serve the region, duplicates and non-operators', async () => {
    const post = (json: unknown, token = admin()) => dialer.call('POST', '/admin/trial-pool', { token, json });
    const uk = await post({ number: '+447911123456', provider: 'vobiz', credentials: VOBIZ });
    expectApiError(uk, 400, 'validation_failed');
    expect(apiError(uk).details?.map((d) => d.field)).toEqual(['number']);
    const wrongProvider = await post({ number: uniqueIndianNumber(), provider: 'plivo', credentials: PLIVO });
    expectApiError(wrongProvider, 400, 'validation_failed');
    expect(apiError(wrongProvider).details?.map((d) => d.field)).toEqual(['provider']);
    expectApiError(await post({ number: uniquePhoneNumber(), provider: 'plivo', credentials: { ...PLIVO, sip_domain: 'not a host' } }), 400, 'validation_failed');
    const number = uniquePhoneNumber();
    expect((await post({ number, provider: 'plivo', credentials: PLIVO })).status).toBe(201);
    expectApiError(await post({ number, provider: 'plivo', credentials: PLIVO }), 409, 'number_already_exists');
    const user = await dialer.newTenantUser();
    expectApiError(await post({ number: uniquePhoneNumber(), provider: 'plivo', credentials: PLIVO }, user.apiKey), 401, 'unauthorized');
  });

  it("creates each number's LiveKit outbound trunk to its carrier's SIP domain with the trunk credentials", async () => {
    const vobiz = await addIndianTrial();
    const plivo = await addTrialNumber(specDeps(), { number: uniquePhoneNumber(), provider: 'plivo', credentials: PLIVO }, sip());
    const rows = await dialer.prisma().trialNumber.findMany({ where: { id: { in: [vobiz.id, plivo.id] } } });
    const trunk = (id: string) => dialer.livekit.outboundTrunks.find((t) => t.sipTrunkId === rows.find((r) => r.id === id)?.livekitOutboundTrunkId);
    expect(trunk(vobiz.id)).toMatchObject({ address: VOBIZ.sip_domain, numbers: [vobiz.number], authUsername: VOBIZ.username, authPassword: VOBIZ.password });
    expect(trunk(plivo.id)).toMatchObject({ address: PLIVO.sip_domain, numbers: [plivo.number], authUsername: PLIVO.username, authPassword: PLIVO.password });
  });
});

describe('studio test calls', () => {
  it('leases a trial number and dials the destination through its trunk, capped at the test-call maximum; ending it frees the number', async () => {
    await addIndianTrial();
    const me = await newCaller();
    const to = uniqueIndianNumber();
    const res = await me.testCall(to);
    expect(res.status).toBe(201);
    const sessionId = String(res.body.session_id);
    expect(sessionId).toMatch(/^cs_/);

    const trial = await trialOf(sessionId);
    expect(trial.inUseBy).toBe(sessionId);
    const call = await dialer.prisma().outboundCall.findUniqueOrThrow({ where: { id: sessionId } });
    expect(call).toMatchObject({ callType: 'studio_test', userId: me.userId, tenantId: me.tenantId, fromNumber: trial.number, toNumber: to, fromPhoneId: null });
    const participant = await pollUntil(() => dialer.livekit.sipParticipants.find((p) => p.roomName === `${CALL_ROOM_PREFIX}${sessionId}`), { description: 'the SIP participant' });
    expect(participant.sipTrunkId).toBe(trial.livekitOutboundTrunkId);
    expect(participant.request).toMatchObject({ sipCallTo: to, sipNumber: trial.number });
    expect(String(participant.request.maxCallDuration)).toMatch(/^120(s|\.0+s)?$/);
    await pollUntil(async () => (await dialer.prisma().callSession.findUnique({ where: { id: sessionId } }))?.status === 'in_progress', { description: 'the call answered' });

    const listed = await dialer.call('GET', '/admin/trial-pool', { token: admin() });
    expect((listed.body.data as Array<Record<string, unknown>>).find((n) => n.id === trial.id)?.in_use_by).toBe(sessionId);

    const end = await dialer.call('POST', `/voice/studio/test-call/${sessionId}/end`, { token: me.apiKey });
    expect(end.status).toBe(200);
    expect(dialer.livekit.rooms.some((r) => r.name === `${CALL_ROOM_PREFIX}${sessionId}`)).toBe(false);
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({ status: 'completed', endReason: 'ended_by_user' });
    await released(sessionId);
    expect((await dialer.call('POST', `/voice/studio/test-call/${sessionId}/end`, { token: me.apiKey })).status).toBe(200);
  });

  it("answers 404 for another user's test call", async () => {
    await addUsTrial();
    const me = await newCaller();
    const other = await newCaller();
    const sessionId = String((await me.testCall(uniquePhoneNumber())).body.session_id);
    expectApiError(await dialer.call('GET', `/voice/studio/test-call/${sessionId}/status`, { token: other.apiKey }), 404, 'not_found');
    expectApiError(await dialer.call('POST', `/voice/studio/test-call/${sessionId}/end`, { token: other.apiKey }), 404, 'not_found');
    expectApiError(await dialer.call('GET', '/voice/studio/test-call/cs_doesnotexist/status', { token: me.apiKey }), 404, 'not_found');
  });

  it('frees the trial number when dispatch fails, and the status says why', async () => {
    await addUsTrial();
    const me = await newCaller();
    const sessionId = String((await me.testCall(uniquePhoneNumber())).body.session_id);
    await released(sessionId);
    const status = await dialer.call('GET', `/voice/studio/test-call/${sessionId}/status`, { token: me.apiKey });
    expect(status.body).toEqual({ state: 'ended', duration_seconds: 0, max_seconds: 120, error: 'no_outbound_trunk' });
  });

  it('reports initiating, ringing, live with its duration, then ended, from the recorded progress', async () => {
    await addUsTrial();
    const me = await newCaller();
    // Admitted without a dispatch: the progress below is what the call.lifecycle consumer records on the row.
    const { session_id: id } = await admitTestCall(specDeps(), me, { agent_id: me.agentId, to_number: uniquePhoneNumber() });
    const status = async () => (await dialer.call('GET', `/voice/studio/test-call/${id}/status`, { token: me.apiKey })).body;
    const record = (data: Record<string, unknown>) => dialer.prisma().outboundCall.update({ where: { id }, data });
    expect(await status()).toEqual({ state: 'initiating', duration_seconds: 0, max_seconds: 120, error: null });
    await record({ state: 'dispatched', callState: 'ringing', ringingAt: clock.now() });
    expect((await status()).state).toBe('ringing');
    await record({ callState: 'in_progress', answeredAt: clock.now() });
    clock.advance(42_500);
    expect(await status()).toEqual({ state: 'live', duration_seconds: 42, max_seconds: 120, error: null });
    await record({ callState: 'completed', endedAt: clock.now() });
    clock.advance(10_000);
    expect(await status()).toEqual({ state: 'ended', duration_seconds: 42, max_seconds: 120, error: null });
  });

  // Calls that are placed (FakeLiveKit answers them, and they stay up): one the platform fails to place is not counted.
  it('refuses the user beyond the daily limit with the exact message, consuming nothing', async () => {
    for (let i = 0; i < 5; i++) await addIndianTrial();
    const me = await newCaller();
    for (let i = 0; i < 4; i++) expect((await me.testCall(uniqueIndianNumber())).status).toBe(201);
    const refused = await me.testCall(uniqueIndianNumber());
    expect(refused.status).toBe(429);
    expect(apiError(refused)).toEqual({ code: 'test_call_user_quota', message: "You've used all 4 test calls for today. They reset at midnight UTC." });
    expect(await me.quota()).toMatchObject({ used: 4, limit: 4, remaining: 0 });
  });

  it('refuses a destination beyond its daily limit across users, with the exact message, consuming nothing', async () => {
    for (let i = 0; i < 3; i++) await addIndianTrial();
    const to = uniqueIndianNumber();
    const [a, b, c] = [await newCaller(), await newCaller(), await newCaller()];
    expect((await a.testCall(to)).status).toBe(201);
    expect((await b.testCall(to)).status).toBe(201);
    const refused = await c.testCall(to);
    expect(refused.status).toBe(429);
    expect(apiError(refused)).toEqual({ code: 'test_call_destination_quota', message: 'That number has already received 2 test calls today. Try again tomorrow.' });
    expect(await c.quota()).toMatchObject({ used: 0, remaining: 4 });
  });

  it('refuses destinations outside +91 and +1, and malformed numbers', async () => {
    const me = await newCaller();
    const refused = await me.testCall('+447911123456');
    expect(refused.status).toBe(400);
    expect(apiError(refused)).toEqual({ code: 'test_call_unsupported_destination', message: 'Test calls currently support +91 (India) and +1 (US) destinations only.' });
    expectApiError(await me.testCall('not a number'), 400, 'validation_failed');
    expectApiError(await dialer.call('POST', '/voice/studio/test-call', { token: me.apiKey, json: { agent_id: 'agt_nope', to_number: uniquePhoneNumber() } }), 404, 'not_found');
    expect(await me.quota()).toMatchObject({ used: 0 });
  });

  it('answers 503 pool_exhausted when every number of the region is leased, consuming no quota', async () => {
    const me = await newCaller();
    const to = uniqueIndianNumber();
    const blocked = await dialer.prisma().trialNumber.findMany({ where: { region: 'IN', inUseBy: null }, select: { id: true } });
    await Promise.all(blocked.map((b, i) => dialer.prisma().trialNumber.update({ where: { id: b.id }, data: { inUseBy: `cs_spec_blocker_${i}` } })));
    try {
      const refused = await me.testCall(to);
      expect(refused.status).toBe(503);
      expect(apiError(refused)).toEqual({ code: 'pool_exhausted', message: 'All trial numbers are in use right now. Try again in a minute.' });
      expect(await me.quota()).toMatchObject({ used: 0 });
      expect(await dialer.prisma().testCallCounter.count({ where: { scope: `destination:${to}` } })).toBe(0);
    } finally {
      await dialer.prisma().trialNumber.updateMany({ where: { inUseBy: { startsWith: 'cs_spec_blocker_' } }, data: { inUseBy: null } });
    }
  });

  it('resets the quota at midnight UTC', async () => {
    for (let i = 0; i < 5; i++) await addIndianTrial();
    const me = await newCaller();
    clock.set('2026-11-26T23:59:30Z');
    for (let i = 0; i < 4; i++) expect((await me.testCall(uniqueIndianNumber())).status).toBe(201);
    expect(await me.quota()).toEqual({ used: 4, limit: 4, remaining: 0, resets_at: '2026-11-27T00:00:00.000Z' });
    expect((await me.testCall(uniqueIndianNumber())).status).toBe(429);
    clock.set('2026-11-27T00:00:01Z');
    expect(await me.quota()).toEqual({ used: 0, limit: 4, remaining: 4, resets_at: '2026-11-28T00:00:00.000Z' });
    expect((await me.testCall(uniqueIndianNumber())).status).toBe(201);
  });

  it('a test call the platform fails to place before it rings (here: no outbound trunk) is not counted against either daily quota', async () => {
    await addUsTrial();
    const me = await newCaller();
    const to = uniquePhoneNumber();
    const created = await me.testCall(to);
    expect(created.status).toBe(201);
    const id = String(created.body.session_id);
    const ended = await pollUntil(async () => {
      const s = (await dialer.call('GET', `/voice/studio/test-call/${id}/status`, { token: me.apiKey })).body;
      return s.state === 'ended' ? s : null;
    }, { description: 'the test call to end' });
    expect(ended).toMatchObject({ state: 'ended', error: 'no_outbound_trunk' });
    expect(await me.quota()).toMatchObject({ used: 0, remaining: 4 });
    expect(await dialer.prisma().testCallCounter.findMany({ where: { scope: `destination:${to}` } })).toEqual([expect.objectContaining({ count: 0 })]);
  });

  it("lists the user's tested destinations once each, newest first", async () => {
    for (let i = 0; i < 3; i++) await addUsTrial();
    const me = await newCaller();
    const [a, b] = [uniquePhoneNumber(), uniquePhoneNumber()];
    for (const to of [a, b, a]) {
      expect((await me.testCall(to)).status).toBe(201);
      clock.advance(1_000);
    }
    const res = await dialer.call('GET', '/voice/studio/recent-numbers', { token: me.apiKey });
    expect(res.status).toBe(200);
    const data = res.body.data as Array<{ to_number: string; last_called_at: string }>;
    expect(data.map((d) => d.to_number)).toEqual([a, b]);
    expect(Date.parse(data[0]!.last_called_at)).toBeGreaterThan(Date.parse(data[1]!.last_called_at));
    const other = await newCaller();
    expect((await dialer.call('GET', '/voice/studio/recent-numbers', { token: other.apiKey })).body).toEqual({ data: [] });
  });
});

describe('test-call watchdog', () => {
  it('fails a call not ringing within the dispatch timeout: dispatch_timeout, room deleted, number released', async () => {
    await addIndianTrial();
    const me = await newCaller();
    const deps = specDeps();
    // Dispatch got as far as the session and the room, then LiveKit never rang the callee.
    const { session_id: id } = await admitTestCall(deps, me, { agent_id: me.agentId, to_number: uniqueIndianNumber() });
    const call = await dialer.prisma().outboundCall.findUniqueOrThrow({ where: { id } });
    const roomName = `${CALL_ROOM_PREFIX}${id}`;
    await dialer.prisma().$transaction(async (tx) => {
      await openOutboundSession(tx, { id, tenantId: me.tenantId, agentId: me.agentId, phoneNumberId: null, callType: 'studio_test', fromNumber: call.fromNumber, toNumber: call.toNumber, provider: 'vobiz', roomName, at: clock.now() });
      await tx.outboundCall.update({ where: { id }, data: { state: 'dispatched', roomName, dispatchedAt: clock.now() } });
    });
    await deps.livekit!.prepareRoom({ roomName, metadata: {}, maxCallDurationSeconds: 120 });

    clock.advance(89_000);
    const status = async () => (await dialer.call('GET', `/voice/studio/test-call/${id}/status`, { token: me.apiKey })).body;
    expect(await status()).toMatchObject({ state: 'initiating', error: null });
    clock.advance(2_000);
    await pollUntil(async () => (await status()).error === 'dispatch_timeout', { description: 'the dispatch timeout' });
    expect((await status()).state).toBe('ended');
    expect(dialer.livekit.rooms.some((r) => r.name === roomName)).toBe(false);
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'failed', endReason: 'dispatch_timeout' });
    await released(id);
  });

  it('ends a call live longer than the maximum: max_duration, room deleted, number released', async () => {
    await addIndianTrial();
    const me = await newCaller();
    const id = String((await me.testCall(uniqueIndianNumber())).body.session_id);
    await pollUntil(async () => (await dialer.prisma().callSession.findUnique({ where: { id } }))?.status === 'in_progress', { description: 'the call answered' });
    clock.advance(119_000);
    expect(await dialer.prisma().trialNumber.count({ where: { inUseBy: id } })).toBe(1);
    clock.advance(2_000);
    await pollUntil(async () => (await dialer.prisma().callSession.findUniqueOrThrow({ where: { id } })).status === 'completed', { description: 'the call ended by the watchdog' });
    expect(await dialer.prisma().callSession.findUniqueOrThrow({ where: { id } })).toMatchObject({ endReason: 'max_duration' });
    expect(dialer.livekit.rooms.some((r) => r.name === `${CALL_ROOM_PREFIX}${id}`)).toBe(false);
    await released(id);
  });
});

import { randomBytes, randomInt } from 'node:crypto';
import { newId, toE164, TOPICS, type AfterHours } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { SecretBox } from '@callplane/service-kit';
import { apiError, bootTestService, detailFields, FakeExotel, httpRequest, uniqueSuffix, type TestService } from '@callplane/testing';
import { createGatewayModule } from './app';
import { UNASSIGNED_MESSAGE, UNCONFIRMED_CALL_MESSAGE } from './usecases/inbound-call.usecase';

const PUBLIC_BASE_URL = 'https://voice.example.com';
const SIP_HOST = 'sip.livekit.example.com';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const ACCOUNT = 'acme_exotel';
const CREDS = { api_key: 'exo-key-1', api_token: 'exo-token-secret-1', account_sid: ACCOUNT };

const sayHangup = (message: string) => `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${message}</Say><Hangup/></Response>`;
const DIAL = new RegExp(
  `^<\\?xml version="1.0" encoding="UTF-8"\\?><Response><Dial><Sip>sip:(\\+\\d+)@${SIP_HOST.replace(/\./g, '\\.')};transport=tcp\\?X-Callplane-Session=(cs_[a-z0-9]{20})</Sip></Dial></Response>$`,
);

/** A schedule whose only window is on the day after tomorrow (UTC): closed now, whatever the time. */
function closedNow(message: string): AfterHours {
  const day = DAYS[(new Date().getUTCDay() + 2) % 7]!;
  return { timezone: 'UTC', open: [{ days: [day], start: '00:00', end: '23:59' }], message };
}

/** A valid Indian mobile number, unique in this file, and its 0-prefixed national form (as Exotel writes it). */
const issued = new Set<string>();
function indianNumber(): { e164: string; national: string } {
  for (;;) {
    const e164 = toE164(`+919${String(randomInt(0, 1_000_000_000)).padStart(9, '0')}`);
    if (e164 && !issued.has(e164)) {
      issued.add(e164);
      return { e164, national: `0${e164.slice(3)}` };
    }
  }
}
const newExotelSid = () => randomBytes(16).toString('hex');

/**
 * The gateway's Exotel routes over HTTP, against the test database and FakeExotel (Exotel's Call Details API).
 */
describe('Exotel webhooks', () => {
  let svc: TestService;
  const secrets = new SecretBox(randomBytes(32));
  const fake = new FakeExotel({ accounts: [{ sid: ACCOUNT, apiKey: CREDS.api_key, apiToken: CREDS.api_token }, { sid: 'someone_else', apiKey: 'k2', apiToken: 't2' }] });

  beforeAll(async () => {
    await fake.start();
    svc = await bootTestService({
      name: 'telephony-gateway',
      modules: ({ platform, routerDeps }) => [
        createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: SIP_HOST, exotel: { apiBaseUrl: fake.url, timeoutMs: 2_000 } }),
      ],
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await fake.stop();
  });

  async function seed(
    opts: {
      assigned?: boolean;
      enabled?: boolean;
      afterHours?: AfterHours;
      provider?: string;
      credentials?: Record<string, string> | null;
      sipAuth?: { username: string; password: string };
    } = {},
  ) {
    const tenantId = newId('tenant');
    await svc.prisma.tenant.create({ data: { id: tenantId, name: `Exotel spec ${uniqueSuffix()}` } });
    const agentId = newId('agent');
    await svc.prisma.agent.create({
      data: {
        id: agentId,
        tenantId,
        name: 'Acme support',
        systemPrompt: 'You are a friendly support agent for Acme.',
        voice: { greeting: 'Hi!', tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' }, stt: { provider: 'deepgram', model: 'nova-2', language: 'en' }, max_duration: 600, recording: false, transcription: true },
        afterHours: opts.afterHours ? (opts.afterHours as unknown as Prisma.InputJsonValue) : Prisma.DbNull,
      },
    });
    const phoneId = newId('phoneNumber');
    const { e164: number, national } = indianNumber();
    const credentials = opts.credentials === undefined ? CREDS : opts.credentials;
    await svc.prisma.phoneNumber.create({
      data: {
        id: phoneId,
        tenantId,
        number,
        provider: opts.provider ?? 'exotel',
        byok: true,
        agentId: opts.assigned === false ? null : agentId,
        enabled: opts.enabled ?? true,
        credentialsEnc: credentials ? secrets.seal(JSON.stringify(credentials)) : null,
        sipAuthEnc: opts.sipAuth ? secrets.seal(JSON.stringify(opts.sipAuth)) : null,
      },
    });
    return { tenantId, agentId, phoneId, number, national };
  }

  /** A call on the Exotel account to `national`, and the Passthru parameters Exotel sends for it. */
  function exotelCall(national: string, over: { account?: string; from?: string } = {}) {
    const sid = newExotelSid();
    fake.addCall({ account: over.account ?? ACCOUNT, sid, from: over.from ?? '09876543210', to: national, status: 'in-progress' });
    return { CallSid: sid, CallFrom: over.from ?? '09876543210', CallTo: national, Direction: 'incoming', Created: 'Tue, 10 Mar 2026 19:30:00', CurrentTime: '2026-03-10 19:30:01' };
  }

  const passthruGet = (phoneId: string, params: Record<string, string>) => httpRequest('GET', `${svc.url}/exotel/incoming/${phoneId}?${new URLSearchParams(params).toString()}`);
  const passthruPost = (phoneId: string, params: Record<string, string>) => httpRequest('POST', `${svc.url}/exotel/incoming/${phoneId}`, { form: params });
  const statusCallback = (phoneId: string, params: Record<string, string>, as: 'form' | 'json' = 'form') =>
    httpRequest('POST', `${svc.url}/exotel/status/${phoneId}`, as === 'form' ? { form: params } : { json: params });
  const sessionsFor = (callSid: string) => svc.prisma.callSession.findMany({ where: { providerCallId: callSid } });
  const eventTypes = async (sessionId: string) =>
    (await svc.prisma.outboxEvent.findMany({ where: { key: sessionId }, orderBy: { createdAt: 'asc' } })).map((e) => (e.envelope as { type: string }).type);
  const written = async (tenantId: string) => ({
    sessions: await svc.prisma.callSession.count({ where: { tenantId } }),
    events: await svc.prisma.outboxEvent.count({ where: { envelope: { path: ['tenant_id'], equals: tenantId } } }),
  });

  describe('GET|POST /exotel/incoming/:phone_id', () => {
    test('GET (Passthru query): ExoML dialling LiveKit SIP, one session with the caller in E.164, one call.initiating event', async () => {
      const { phoneId, number, national, agentId, tenantId } = await seed();
      const params = exotelCall(national);
      const res = await passthruGet(phoneId, params);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      const m = DIAL.exec(res.text);
      expect(m).not.toBeNull();
      expect(m![1]).toBe(number);

      const sessions = await sessionsFor(params.CallSid);
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({
        id: m![2],
        tenantId,
        agentId,
        phoneNumberId: phoneId,
        direction: 'inbound',
        callType: 'production',
        fromNumber: '+919876543210',
        toNumber: number,
        provider: 'exotel',
        status: 'initiating',
        endReason: null,
      });
      const events = await svc.prisma.outboxEvent.findMany({ where: { key: m![2] } });
      expect(events.map((e) => [e.topic, (e.envelope as { type: string }).type])).toEqual([[TOPICS.callLifecycle, 'call.initiating']]);
      expect(fake.callLookups(params.CallSid)).toHaveLength(1);
    });

    test("POST (form): the same answer, with the imported number's SIP credentials on <Sip>", async () => {
      const sipAuth = { username: 'cp0a1b2c3d4e5f', password: 'Gq7LmZpX2vR9tY4wK8sN3bH6cJ5dF1aE' };
      const { phoneId, number, national } = await seed({ sipAuth });
      const params = exotelCall(national);
      const res = await passthruPost(phoneId, params);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/xml/);
      expect(res.text).toMatch(new RegExp(`<Sip username="${sipAuth.username}" password="${sipAuth.password}">sip:\\${number}@${SIP_HOST.replace(/\./g, '\\.')};`));
      const [session] = await sessionsFor(params.CallSid);
      expect(session).toMatchObject({ phoneNumberId: phoneId, provider: 'exotel', fromNumber: '+919876543210', status: 'initiating' });
      expect(res.text).toContain(`X-Callplane-Session=${session!.id}`);
    });

    test('a retry of the same CallSid: the same answer, one session, one event, and Exotel was asked once', async () => {
      const { phoneId, national } = await seed();
      const params = exotelCall(national);
      const first = await passthruGet(phoneId, params);
      expect(first.text).toMatch(DIAL);
      const retry = await passthruGet(phoneId, params);
      const retryByPost = await passthruPost(phoneId, params);
      expect(retry.text).toBe(first.text);
      expect(retryByPost.text).toBe(first.text);
      const sessions = await sessionsFor(params.CallSid);
      expect(sessions).toHaveLength(1);
      expect(await eventTypes(sessions[0]!.id)).toEqual(['call.initiating']);
      expect(fake.callLookups(params.CallSid)).toHaveLength(1);
    });

    test('5 concurrent deliveries of one call share one confirmation and open one session', async () => {
      const { phoneId, national } = await seed();
      const params = exotelCall(national);
      const results = await Promise.all(Array.from({ length: 5 }, () => passthruGet(phoneId, params)));
      expect(results.map((r) => r.status)).toEqual(Array(5).fill(200));
      expect(new Set(results.map((r) => r.text)).size).toBe(1);
      expect(results[0]!.text).toMatch(DIAL);
      const sessions = await sessionsFor(params.CallSid);
      expect(sessions).toHaveLength(1);
      expect(await eventTypes(sessions[0]!.id)).toEqual(['call.initiating']);
      expect(fake.callLookups(params.CallSid)).toHaveLength(1);
    });

    describe('authentication (Exotel does not sign: the CallSid is confirmed with Exotel)', () => {
      test('a forged CallSid (not on the account) → 403 forbidden, nothing written', async () => {
        const { phoneId, national, tenantId } = await seed();
        const params = { CallSid: newExotelSid(), CallFrom: '09876543210', CallTo: national };
        for (const res of [await passthruGet(phoneId, params), await passthruPost(phoneId, params)]) {
          expect(res.status).toBe(403);
          expect(apiError(res).code).toBe('forbidden');
        }
        expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
        // Refusals are not remembered: each forged request was checked with Exotel.
        expect(fake.callLookups(params.CallSid)).toHaveLength(2);
      });

      test("a real CallSid of a call to another number → 403, even when CallTo claims this number", async () => {
        const { phoneId, national, tenantId } = await seed();
        const other = indianNumber();
        const params = { ...exotelCall(other.national), CallTo: national };
        const res = await passthruGet(phoneId, params);
        expect(res.status).toBe(403);
        expect(apiError(res).code).toBe('forbidden');
        expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
        expect(await sessionsFor(params.CallSid)).toEqual([]);
      });

      test("a call to this number on another Exotel account → 403, nothing written", async () => {
        const { phoneId, national, tenantId } = await seed();
        const params = exotelCall(national, { account: 'someone_else' });
        const res = await passthruGet(phoneId, params);
        expect(res.status).toBe(403);
        expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
      });

      test('Exotel API down (5xx or no answer): a spoken apology, nothing written; the retry after it recovers is answered', async () => {
        const { phoneId, national, tenantId } = await seed();
        const params = exotelCall(national);
        fake.failNext({ method: 'GET', path: /\/Calls\// }, { status: 503, body: { RestException: { Status: 503, Message: 'down' } } });
        const down = await passthruGet(phoneId, params);
        expect(down.status).toBe(200);
        expect(down.headers.get('content-type')).toMatch(/^application\/xml/);
        expect(down.text).toBe(sayHangup("Sorry, we can&apos;t take your call right now. Please try again in a few minutes. Goodbye."));
        expect(UNCONFIRMED_CALL_MESSAGE).toContain("can't take your call");
        fake.failNext({ method: 'GET', path: /\/Calls\// }, 'timeout');
        const hung = await passthruPost(phoneId, params);
        expect(hung.text).toBe(down.text);
        expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });

        const recovered = await passthruGet(phoneId, params);
        expect(recovered.text).toMatch(DIAL);
        expect(await written(tenantId)).toEqual({ sessions: 1, events: 1 });
      });

      test('credentials Exotel no longer accepts: the apology, nothing written', async () => {
        const { phoneId, national, tenantId } = await seed({ credentials: { ...CREDS, api_token: 'rotated-away' } });
        const res = await passthruGet(phoneId, exotelCall(national));
        expect(res.status).toBe(200);
        expect(res.text).toContain('<Say>Sorry, we can&apos;t take your call right now.');
        expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
      });
    });

    test('an unassigned number: the polite message, a hang-up, no session', async () => {
      const { phoneId, national, tenantId } = await seed({ assigned: false });
      const res = await passthruGet(phoneId, exotelCall(national));
      expect(res.status).toBe(200);
      expect(res.text).toBe(sayHangup(UNASSIGNED_MESSAGE));
      expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
    });

    test('a disabled number (assigned, enabled: false) is refused the same way', async () => {
      const { phoneId, national, tenantId } = await seed({ enabled: false });
      const res = await passthruPost(phoneId, exotelCall(national));
      expect(res.status).toBe(200);
      expect(res.text).toBe(sayHangup(UNASSIGNED_MESSAGE));
      expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
    });

    test("after hours: the agent's message, a hang-up, a session completed with end_reason after_hours; a retry says it again", async () => {
      const { phoneId, national } = await seed({ afterHours: closedNow('Acme is closed. Tom & Jerry answer from nine to six.') });
      const params = exotelCall(national);
      const res = await passthruGet(phoneId, params);
      expect(res.status).toBe(200);
      expect(res.text).toBe(sayHangup('Acme is closed. Tom &amp; Jerry answer from nine to six.'));
      const sessions = await sessionsFor(params.CallSid);
      expect(sessions).toHaveLength(1);
      expect(sessions[0]).toMatchObject({ status: 'completed', endReason: 'after_hours', provider: 'exotel', fromNumber: '+919876543210' });
      expect(sessions[0]!.endedAt).not.toBeNull();
      expect(await eventTypes(sessions[0]!.id)).toEqual(['call.completed']);

      const retry = await passthruGet(phoneId, params);
      expect(retry.text).toBe(res.text);
      expect(await sessionsFor(params.CallSid)).toHaveLength(1);
      expect(await eventTypes(sessions[0]!.id)).toEqual(['call.completed']);
    });

    test.each([
      ['CallSid', { CallSid: undefined }],
      ['CallSid', { CallSid: 'not a sid!' }],
      ['CallFrom', { CallFrom: undefined }],
      ['CallTo', { CallTo: undefined }],
    ])('missing or malformed %s → 400 validation_failed naming it; nothing written, Exotel not asked', async (field, over) => {
      const { phoneId, national, tenantId } = await seed();
      const params: Record<string, string> = exotelCall(national);
      for (const [k, v] of Object.entries(over)) {
        if (v === undefined) delete params[k];
        else params[k] = v;
      }
      const lookups = fake.requestsTo('GET', /\/Calls\//).length;
      for (const res of [await passthruGet(phoneId, params), await passthruPost(phoneId, params)]) {
        expect(res.status).toBe(400);
        expect(apiError(res).code).toBe('validation_failed');
        expect(detailFields(res)).toEqual([field]);
      }
      expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
      expect(fake.requestsTo('GET', /\/Calls\//)).toHaveLength(lookups);
    });

    test('a CallSid sent twice is not guessed at: 400', async () => {
      const { phoneId, national } = await seed();
      const params = exotelCall(national);
      const res = await httpRequest('GET', `${svc.url}/exotel/incoming/${phoneId}?${new URLSearchParams(params).toString()}&CallSid=${newExotelSid()}`);
      expect(res.status).toBe(400);
      expect(detailFields(res)).toEqual(['CallSid']);
    });

    test('an unknown phone id, a number of another provider, and an Exotel number without credentials → 404', async () => {
      const twilio = await seed({ provider: 'twilio' });
      const manual = await seed({ credentials: null });
      for (const { phoneId, national } of [{ phoneId: 'pn_doesnotexist0000000', national: '09123456789' }, twilio, manual]) {
        const params = exotelCall(national);
        for (const res of [await passthruGet(phoneId, params), await passthruPost(phoneId, params)]) {
          expect(res.status).toBe(404);
          expect(apiError(res).code).toBe('not_found');
        }
        expect(fake.callLookups(params.CallSid)).toEqual([]);
        expect(await sessionsFor(params.CallSid)).toEqual([]);
      }
    });
  });

  describe('POST /exotel/status/:phone_id', () => {
    /** A number with an answered inbound call on it (session initiating), as the Passthru left it. */
    async function liveCall() {
      const n = await seed();
      const params = exotelCall(n.national);
      expect((await passthruGet(n.phoneId, params)).text).toMatch(DIAL);
      const [session] = await sessionsFor(params.CallSid);
      return { ...n, callSid: params.CallSid, sessionId: session!.id };
    }

    test.each([
      ['completed', 'completed', 'completed'],
      ['busy', 'busy', 'busy'],
      ['no-answer', 'no_answer', 'no_answer'],
      ['failed', 'failed', 'failed'],
    ])('Status %s → state %s, one event, 204; Exotel not asked again', async (status, state, endReason) => {
      const { phoneId, callSid, sessionId } = await liveCall();
      const res = await statusCallback(phoneId, { CallSid: callSid, Status: status, DateUpdated: '2026-03-10 19:31:00', RecordingUrl: '' });
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      const session = await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } });
      expect(session).toMatchObject({ status: state, endReason });
      expect(session.endedAt).not.toBeNull();
      expect(await eventTypes(sessionId)).toEqual(['call.initiating', `call.${state}`]);
      expect(fake.callLookups(callSid)).toHaveLength(1);
    });

    test('a JSON callback is read the same way; DialCallDuration fills answered_at', async () => {
      const { phoneId, callSid, sessionId } = await liveCall();
      const before = Date.now();
      const res = await httpRequest('POST', `${svc.url}/exotel/status/${phoneId}`, { json: { CallSid: callSid, Status: 'completed', DialCallDuration: 30, Legs: [{ OnCallDuration: 30, Status: 'completed' }] } });
      expect(res.status).toBe(204);
      const session = await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } });
      expect(session.status).toBe('completed');
      const answeredAgo = session.endedAt!.getTime() - session.answeredAt!.getTime();
      expect(answeredAgo).toBe(30_000);
      expect(session.endedAt!.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    });

    test('a duplicate callback changes nothing: one completed event', async () => {
      const { phoneId, callSid, sessionId } = await liveCall();
      const params = { CallSid: callSid, Status: 'completed' };
      expect((await statusCallback(phoneId, params)).status).toBe(204);
      const after = await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } });
      expect((await statusCallback(phoneId, params)).status).toBe(204);
      expect((await statusCallback(phoneId, params, 'json')).status).toBe(204);
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } })).toEqual(after);
      expect(await eventTypes(sessionId)).toEqual(['call.initiating', 'call.completed']);
    });

    test('out of order: completed, then a late busy, changes nothing', async () => {
      const { phoneId, callSid, sessionId } = await liveCall();
      expect((await statusCallback(phoneId, { CallSid: callSid, Status: 'completed' })).status).toBe(204);
      expect((await statusCallback(phoneId, { CallSid: callSid, Status: 'busy' })).status).toBe(204);
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({ status: 'completed', endReason: 'completed' });
      expect(await eventTypes(sessionId)).toEqual(['call.initiating', 'call.completed']);
    });

    test('a CallSid with no session on this number → 204, nothing written, Exotel not asked', async () => {
      const { phoneId, tenantId, national } = await seed();
      const unknown = exotelCall(national).CallSid;
      const res = await statusCallback(phoneId, { CallSid: unknown, Status: 'completed' });
      expect(res.status).toBe(204);
      expect(await written(tenantId)).toEqual({ sessions: 0, events: 0 });
      expect(fake.callLookups(unknown)).toEqual([]);

      // Another number's call, reported to this number's URL, is not this number's to change.
      const elsewhere = await liveCall();
      expect((await statusCallback(phoneId, { CallSid: elsewhere.callSid, Status: 'failed' })).status).toBe(204);
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: elsewhere.sessionId } })).toMatchObject({ status: 'initiating' });
      expect(await eventTypes(elsewhere.sessionId)).toEqual(['call.initiating']);
    });

    /** A session on the number that this process never confirmed (another replica opened it, or it restarted). */
    async function unconfirmedSession(callOnAccount: boolean) {
      const n = await seed();
      const callSid = newExotelSid();
      if (callOnAccount) fake.addCall({ account: ACCOUNT, sid: callSid, from: '09876543210', to: n.national, status: 'completed' });
      const sessionId = newId('callSession');
      await svc.prisma.callSession.create({
        data: { id: sessionId, tenantId: n.tenantId, agentId: n.agentId, phoneNumberId: n.phoneId, direction: 'inbound', callType: 'production', fromNumber: '+919876543210', toNumber: n.number, provider: 'exotel', providerCallId: callSid, status: 'initiating' },
      });
      return { ...n, callSid, sessionId };
    }

    test('a session this process has not confirmed is confirmed with Exotel first, then applied', async () => {
      const { phoneId, callSid, sessionId } = await unconfirmedSession(true);
      expect((await statusCallback(phoneId, { CallSid: callSid, Status: 'no-answer' })).status).toBe(204);
      expect(fake.callLookups(callSid)).toHaveLength(1);
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({ status: 'no_answer' });
    });

    test("a CallSid Exotel does not confirm → 403, nothing changed; Exotel's API down → 502 (Exotel retries), nothing changed", async () => {
      const forged = await unconfirmedSession(false);
      const res = await statusCallback(forged.phoneId, { CallSid: forged.callSid, Status: 'completed' });
      expect(res.status).toBe(403);
      expect(apiError(res).code).toBe('forbidden');
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: forged.sessionId } })).toMatchObject({ status: 'initiating' });

      const real = await unconfirmedSession(true);
      fake.failNext({ method: 'GET', path: /\/Calls\// }, { status: 503, body: { RestException: { Status: 503, Message: 'down' } } });
      const down = await statusCallback(real.phoneId, { CallSid: real.callSid, Status: 'completed' });
      expect(down.status).toBe(502);
      expect(apiError(down).code).toBe('provider_unavailable');
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: real.sessionId } })).toMatchObject({ status: 'initiating' });
      expect(await eventTypes(real.sessionId)).toEqual([]);
    });

    test.each([
      [{ Status: 'completed' }, ['CallSid']],
      [{ CallSid: 'x', Status: 'ringing' }, ['Status']],
      [{ CallSid: 'x', Status: 'in-progress' }, ['Status']],
      [{ CallSid: 'x' }, ['Status']],
    ])('bad parameters %j → 400 validation_failed naming them, nothing changed', async (over, fields) => {
      const { phoneId, callSid, sessionId } = await liveCall();
      const params: Record<string, string> = { ...over };
      if (params.CallSid === 'x') params.CallSid = callSid;
      const res = await statusCallback(phoneId, params);
      expect(res.status).toBe(400);
      expect(apiError(res).code).toBe('validation_failed');
      expect(detailFields(res)).toEqual(fields);
      expect(await svc.prisma.callSession.findUniqueOrThrow({ where: { id: sessionId } })).toMatchObject({ status: 'initiating' });
    });

    test('an unknown phone id or a number that is not an imported Exotel number → 404', async () => {
      const { callSid } = await liveCall();
      const twilio = await seed({ provider: 'twilio' });
      for (const phoneId of ['pn_doesnotexist0000000', twilio.phoneId]) {
        const res = await statusCallback(phoneId, { CallSid: callSid, Status: 'completed' });
        expect(res.status).toBe(404);
        expect(apiError(res).code).toBe('not_found');
      }
    });
  });

  test('the OpenAPI document says how Exotel requests are authenticated', async () => {
    const res = await httpRequest('GET', `${svc.url}/openapi.json`);
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { description?: string }>>;
    for (const [path, method] of [
      ['/exotel/incoming/{phone_id}', 'get'],
      ['/exotel/incoming/{phone_id}', 'post'],
      ['/exotel/status/{phone_id}', 'post'],
    ] as const) {
      expect(paths[path]?.[method]?.description).toMatch(/Exotel does not sign its requests.*CallSid must be a call on the Exotel account/s);
    }
  });
});

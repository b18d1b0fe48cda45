import { randomBytes } from 'node:crypto';
import { newId, TOPICS, type AfterHours } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { SecretBox } from '@callplane/service-kit';
import { apiError, bootTestService, detailFields, httpRequest, newCallSid, twilioSignature, uniquePhoneNumber, uniqueSuffix, type TestService } from '@callplane/testing';
import { createGatewayModule } from './app';
import { UNASSIGNED_MESSAGE } from './usecases/inbound-call.usecase';

const PUBLIC_BASE_URL = 'https://voice.example.com';
const SIP_HOST = 'sip.livekit.example.com';
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;

const sayHangup = (message: string) => `<Response><Say>${message}</Say><Hangup/></Response>`;
const DIAL = new RegExp(
  `<Response><Dial answerOnBridge="true"><Sip(?: username="[^"]+" password="[^"]+")? statusCallback="${PUBLIC_BASE_URL}/twilio/status/pn_[a-z0-9]{20}" statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">sip:(\\+\\d+)@${SIP_HOST.replace(/\./g, '\\.')};transport=tcp\\?X-Callplane-Session=(cs_[a-z0-9]{20})</Sip></Dial></Response>$`,
);

/** A schedule whose only window is on the day after tomorrow (UTC): closed now, whatever the time. */
function closedNow(message: string): AfterHours {
  const day = DAYS[(new Date().getUTCDay() + 2) % 7]!;
  return { timezone: 'UTC', open: [{ days: [day], start: '00:00', end: '23:59' }], message };
}

/** Every minute of every day, as two windows (the second runs to midnight). */
const alwaysOpen: AfterHours = {
  timezone: 'America/New_York',
  open: [
    { days: [...DAYS], start: '00:00', end: '12:00' },
    { days: [...DAYS], start: '12:00', end: '00:00' },
  ],
  message: 'unused',
};

/**
 * The gateway alone, over HTTP, against the test database. Tenants, agents and numbers are written the way
 * provisioning stores them (an app may not import another app, so provisioning is not booted here; the
 * all-in-one slice tests cover the two together).
 */
describe('POST /twilio/incoming/:phone_id', () => {
  let svc: TestService;
  const secrets = new SecretBox(randomBytes(32));

  beforeAll(async () => {
    svc = await bootTestService({
      name: 'telephony-gateway',
      modules: ({ platform, routerDeps }) => [createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: SIP_HOST })],
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  async function seed(
    opts: { assigned?: boolean; enabled?: boolean; signingSecret?: string; afterHours?: AfterHours; provider?: string; number?: string; sipAuth?: { username: string; password: string } } = {},
  ) {
    const tenantId = newId('tenant');
    await svc.prisma.tenant.create({ data: { id: tenantId, name: `Gateway spec ${uniqueSuffix()}` } });
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
    const number = opts.number ?? uniquePhoneNumber();
    await svc.prisma.phoneNumber.create({
      data: {
        id: phoneId,
        tenantId,
        number,
        provider: opts.provider ?? 'sip',
        agentId: opts.assigned === false ? null : agentId,
        enabled: opts.enabled ?? true,
        signingSecretEnc: opts.signingSecret ? secrets.seal(opts.signingSecret) : null,
        sipAuthEnc: opts.sipAuth ? secrets.seal(JSON.stringify(opts.sipAuth)) : null,
      },
    });
    return { tenantId, agentId, phoneId, number };
  }

  const voiceParams = (to: string, over: Record<string, string> = {}) => ({
    CallSid: newCallSid(),
    AccountSid: `AC${'1'.repeat(32)}`,
    From: '+919876543210',
    To: to,
    CallStatus: 'ringing',
    Direction: 'inbound',
    ApiVersion: '2010-04-01',
    ...over,
  });
  const webhook = (phoneId: string, form: Record<string, string>, signWith?: string) =>
    httpRequest('POST', `${svc.url}/twilio/incoming/${phoneId}`, {
      form,
      headers: signWith ? { 'x-twilio-signature': twilioSignature(signWith, `${PUBLIC_BASE_URL}/twilio/incoming/${phoneId}`, form) } : {},
    });
  const sessionsFor = (callSid: string) => svc.prisma.callSession.findMany({ where: { providerCallId: callSid } });
  const eventsFor = (sessionId: string) => svc.prisma.outboxEvent.findMany({ where: { key: sessionId }, orderBy: { createdAt: 'asc' } });

  test('an assigned, open number answers TwiML that dials LiveKit SIP and opens one session', async () => {
    const { phoneId, number, agentId, tenantId } = await seed();
    const params = voiceParams(number, { From: '919876543210' });
    const res = await webhook(phoneId, params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
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
      provider: 'sip',
      status: 'initiating',
      endReason: null,
      endedAt: null,
    });
    const events = await eventsFor(m![2]!);
    expect(events.map((e) => [e.topic, (e.envelope as { type: string }).type])).toEqual([[TOPICS.callLifecycle, 'call.initiating']]);
    expect((events[0]!.envelope as { tenant_id: string }).tenant_id).toBe(tenantId);
  });

  test("an imported number's SIP credentials go on the <Sip> element, so LiveKit's inbound trunk for it accepts the call", async () => {
    const sipAuth = { username: 'cp0a1b2c3d4e5f', password: 'Gq7LmZpX2vR9tY4wK8sN3bH6cJ5dF1aE' };
    const plain = await seed();
    const imported = await seed({ sipAuth });
    const withAuth = await webhook(imported.phoneId, voiceParams(imported.number));
    expect(withAuth.text).toMatch(new RegExp(`<Sip username="${sipAuth.username}" password="${sipAuth.password}"`));
    expect(DIAL.exec(withAuth.text)).not.toBeNull();
    const without = await webhook(plain.phoneId, voiceParams(plain.number));
    expect(DIAL.exec(without.text)).not.toBeNull();
    expect(without.text).not.toMatch(/username=|password=/);
  });

  test('a caller who withholds their number is recorded as sent', async () => {
    const { phoneId, number } = await seed();
    const params = voiceParams(number, { From: 'anonymous' });
    expect((await webhook(phoneId, params)).status).toBe(200);
    expect((await sessionsFor(params.CallSid))[0]!.fromNumber).toBe('anonymous');
  });

  test('an agent open at this hour (schedule covering the whole week) is dialled', async () => {
    const { phoneId, number } = await seed({ afterHours: alwaysOpen });
    const res = await webhook(phoneId, voiceParams(number));
    expect(res.text).toMatch(DIAL);
  });

  test('an unassigned number says it is not taking calls, hangs up, and opens no session', async () => {
    const { phoneId, number } = await seed({ assigned: false });
    const params = voiceParams(number);
    const res = await webhook(phoneId, params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(res.text).toContain(sayHangup(UNASSIGNED_MESSAGE));
    expect(res.text).not.toContain('<Dial');
    expect(await sessionsFor(params.CallSid)).toEqual([]);
  });

  test('a disabled number (assigned, enabled: false) is refused the same way', async () => {
    const { phoneId, number } = await seed({ enabled: false });
    const params = voiceParams(number);
    const res = await webhook(phoneId, params);
    expect(res.status).toBe(200);
    expect(res.text).toContain(sayHangup(UNASSIGNED_MESSAGE));
    expect(await sessionsFor(params.CallSid)).toEqual([]);
  });

  test("after hours: the agent's message, a hang-up, and a session completed with end_reason after_hours", async () => {
    const message = 'Acme is closed. Tom & Jerry answer from nine to six.';
    const { phoneId, number, agentId } = await seed({ afterHours: closedNow(message) });
    const params = voiceParams(number);
    const res = await webhook(phoneId, params);
    expect(res.status).toBe(200);
    expect(res.text).toContain(sayHangup('Acme is closed. Tom &amp; Jerry answer from nine to six.'));
    expect(res.text).not.toContain('<Dial');

    const sessions = await sessionsFor(params.CallSid);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'completed', endReason: 'after_hours', agentId, phoneNumberId: phoneId, direction: 'inbound' });
    expect(sessions[0]!.endedAt).not.toBeNull();
    const events = await eventsFor(sessions[0]!.id);
    expect(events.map((e) => (e.envelope as { type: string }).type)).toEqual(['call.completed']);
    expect((events[0]!.envelope as { data: { end_reason: string; state: string } }).data).toMatchObject({ state: 'completed', end_reason: 'after_hours' });

    // Twilio retrying the webhook hears the same message; nothing is written twice.
    const retry = await webhook(phoneId, params);
    expect(retry.text).toBe(res.text);
    expect(await sessionsFor(params.CallSid)).toHaveLength(1);
    expect(await eventsFor(sessions[0]!.id)).toHaveLength(1);
  });

  test('a retry that arrives after closing time is answered as the first delivery was (the stored session decides)', async () => {
    const { phoneId, number, agentId } = await seed();
    const params = voiceParams(number);
    const first = await webhook(phoneId, params);
    expect(first.text).toMatch(DIAL);
    // The schedule changes (or the clock passes closing time) before Twilio retries.
    await svc.prisma.agent.update({ where: { id: agentId }, data: { afterHours: closedNow('Closed now.') as unknown as Prisma.InputJsonValue } });
    const retry = await webhook(phoneId, params);
    expect(retry.text).toBe(first.text);
    const sessions = await sessionsFor(params.CallSid);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ status: 'initiating', endReason: null });
    expect(await eventsFor(sessions[0]!.id)).toHaveLength(1);
  });

  test('an unknown phone id → 404 not_found and nothing written', async () => {
    const params = voiceParams(uniquePhoneNumber());
    const res = await webhook('pn_doesnotexist0000000', params);
    expect(res.status).toBe(404);
    expect(apiError(res).code).toBe('not_found');
    expect(await sessionsFor(params.CallSid)).toEqual([]);
  });

  test('a number of a provider that does not send Twilio-format webhooks → 404', async () => {
    const { phoneId, number } = await seed({ provider: 'plivo' });
    const params = voiceParams(number);
    const res = await webhook(phoneId, params);
    expect(res.status).toBe(404);
    expect(await sessionsFor(params.CallSid)).toEqual([]);
  });

  test.each([
    ['CallSid', { CallSid: undefined }],
    ['CallSid', { CallSid: 'CA-not-a-sid' }],
    ['From', { From: undefined }],
    ['To', { To: undefined }],
  ])('missing or malformed %s → 400 validation_failed naming it, nothing written', async (field, over) => {
    const { phoneId, number, tenantId } = await seed();
    const params: Record<string, string> = voiceParams(number);
    for (const [k, v] of Object.entries(over)) {
      if (v === undefined) delete params[k];
      else params[k] = v;
    }
    const res = await webhook(phoneId, params);
    expect(res.status).toBe(400);
    expect(apiError(res).code).toBe('validation_failed');
    expect(detailFields(res)).toEqual([field]);
    expect(await svc.prisma.callSession.count({ where: { tenantId } })).toBe(0);
  });

  test('a JSON body carries no Twilio parameters: 400 on an unsigned number, 403 on a signed one, nothing written', async () => {
    const unsigned = await seed();
    const res = await httpRequest('POST', `${svc.url}/twilio/incoming/${unsigned.phoneId}`, { json: voiceParams(unsigned.number) });
    expect(res.status).toBe(400);
    expect(detailFields(res)).toEqual(expect.arrayContaining(['CallSid', 'From', 'To']));
    const signed = await seed({ signingSecret: 'json-signed-secret-01' });
    const forged = await httpRequest('POST', `${svc.url}/twilio/incoming/${signed.phoneId}`, { json: voiceParams(signed.number), headers: { 'x-twilio-signature': 'abc' } });
    expect(forged.status).toBe(403);
    expect(apiError(forged).code).toBe('invalid_signature');
    expect(await svc.prisma.callSession.count({ where: { tenantId: { in: [unsigned.tenantId, signed.tenantId] } } })).toBe(0);
  });

  test('a parameter sent twice cannot be Twilio\'s: 403 on a signed number', async () => {
    const { phoneId, number } = await seed({ signingSecret: 'repeated-param-secret' });
    const params = voiceParams(number);
    const body = `${new URLSearchParams(params).toString()}&From=%2B15550000000`;
    const sig = twilioSignature('repeated-param-secret', `${PUBLIC_BASE_URL}/twilio/incoming/${phoneId}`, params);
    const res = await httpRequest('POST', `${svc.url}/twilio/incoming/${phoneId}`, { rawBody: body, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig } });
    expect(res.status).toBe(403);
  });

  test('control characters in From are refused with 400, nothing written', async () => {
    const { phoneId, number, tenantId } = await seed();
    const res = await webhook(phoneId, voiceParams(number, { From: '+1415\u0000555' }));
    expect(res.status).toBe(400);
    expect(detailFields(res)).toEqual(['From']);
    expect(await svc.prisma.callSession.count({ where: { tenantId } })).toBe(0);
  });

  test('a national-format caller number is read in the called number\'s country', async () => {
    const { phoneId, tenantId } = await seed({ number: '+919876501234' });
    const params = voiceParams('+919876501234', { From: '09052161119' });
    expect((await webhook(phoneId, params)).text).toMatch(DIAL);
    const [session] = await svc.prisma.callSession.findMany({ where: { tenantId } });
    expect(session!.fromNumber).toBe('+919052161119');
  });

  test('the same call id on another number is refused with 409 and does not touch the first call', async () => {
    const a = await seed();
    const b = await seed();
    const params = voiceParams(a.number);
    expect((await webhook(a.phoneId, params)).text).toMatch(DIAL);
    const res = await webhook(b.phoneId, { ...params, To: b.number });
    expect(res.status).toBe(409);
    expect(await svc.prisma.callSession.count({ where: { tenantId: b.tenantId } })).toBe(0);
    const [first] = await sessionsFor(params.CallSid);
    expect(first).toMatchObject({ tenantId: a.tenantId, phoneNumberId: a.phoneId, status: 'initiating' });
  });

  describe('signatures', () => {
    test('a number without a signing secret accepts unsigned webhooks', async () => {
      const { phoneId, number } = await seed();
      const params = voiceParams(number);
      const res = await webhook(phoneId, params);
      expect(res.status).toBe(200);
      expect(res.text).toMatch(DIAL);
    });

    test('a number with a signing secret refuses unsigned, forged and tampered webhooks with 403 and writes nothing', async () => {
      const secret = `auth-token-${randomBytes(8).toString('hex')}`;
      const { phoneId, number, tenantId } = await seed({ signingSecret: secret });
      const params = voiceParams(number);
      const url = `${PUBLIC_BASE_URL}/twilio/incoming/${phoneId}`;
      const attempts = [
        await webhook(phoneId, params),
        await webhook(phoneId, params, 'not-the-secret'),
        // Signed for another number's URL.
        await httpRequest('POST', `${svc.url}/twilio/incoming/${phoneId}`, { form: params, headers: { 'x-twilio-signature': twilioSignature(secret, `${PUBLIC_BASE_URL}/twilio/incoming/pn_other`, params) } }),
        // Signed, then a parameter changed in transit.
        await httpRequest('POST', `${svc.url}/twilio/incoming/${phoneId}`, { form: { ...params, From: '+15005550006' }, headers: { 'x-twilio-signature': twilioSignature(secret, url, params) } }),
      ];
      for (const res of attempts) {
        expect(res.status).toBe(403);
        expect(apiError(res).code).toBe('invalid_signature');
      }
      expect(await svc.prisma.callSession.count({ where: { tenantId } })).toBe(0);

      const signed = await webhook(phoneId, params, secret);
      expect(signed.status).toBe(200);
      expect(signed.text).toMatch(DIAL);
    });

    test('on a signed number the signature is checked before the parameters', async () => {
      const secret = `auth-token-${randomBytes(8).toString('hex')}`;
      const { phoneId } = await seed({ signingSecret: secret });
      const res = await webhook(phoneId, { From: '+919876543210' });
      expect(res.status).toBe(403);
    });

    test('two gateway replicas on one database, 20 identical deliveries split between them, 20 rounds: one session and one event each time', async () => {
      const replica = await bootTestService({
        name: 'telephony-gateway',
        modules: ({ platform, routerDeps }) => [createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: SIP_HOST })],
      });
      try {
        const secret = `auth-token-${randomBytes(8).toString('hex')}`;
        const { phoneId, number } = await seed({ signingSecret: secret });
        for (let round = 0; round < 20; round++) {
          const params = voiceParams(number);
          const path = `/twilio/incoming/${phoneId}`;
          const signature = twilioSignature(secret, `${PUBLIC_BASE_URL}${path}`, params);
          const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) => httpRequest('POST', `${i % 2 ? replica.url : svc.url}${path}`, { form: params, headers: { 'x-twilio-signature': signature } })),
          );
          expect(results.map((r) => r.status)).toEqual(Array(20).fill(200));
          expect(new Set(results.map((r) => r.text)).size).toBe(1);
          const sessions = await sessionsFor(params.CallSid);
          expect(sessions).toHaveLength(1);
          expect((await eventsFor(sessions[0]!.id)).map((e) => (e.envelope as { type: string }).type)).toEqual(['call.initiating']);
        }
      } finally {
        await replica.stop();
      }
    });

    test('10 concurrent identical signed deliveries: all 200 with the same TwiML, one session, one event', async () => {
      const secret = `auth-token-${randomBytes(8).toString('hex')}`;
      const { phoneId, number } = await seed({ signingSecret: secret });
      const params = voiceParams(number);
      const results = await Promise.all(Array.from({ length: 10 }, () => webhook(phoneId, params, secret)));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
      const bodies = new Set(results.map((r) => r.text));
      expect(bodies.size).toBe(1);
      const m = DIAL.exec(results[0]!.text);
      expect(m).not.toBeNull();

      const sessions = await sessionsFor(params.CallSid);
      expect(sessions.map((s) => s.id)).toEqual([m![2]]);
      const events = await eventsFor(m![2]!);
      expect(events.map((e) => (e.envelope as { type: string }).type)).toEqual(['call.initiating']);
    });

    test('10 concurrent identical deliveries after hours: one completed session, one event, the same message', async () => {
      const { phoneId, number } = await seed({ afterHours: closedNow('Closed for the weekend.') });
      const params = voiceParams(number);
      const results = await Promise.all(Array.from({ length: 10 }, () => webhook(phoneId, params)));
      expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
      expect(new Set(results.map((r) => r.text))).toEqual(new Set([results[0]!.text]));
      expect(results[0]!.text).toContain(sayHangup('Closed for the weekend.'));
      const sessions = await sessionsFor(params.CallSid);
      expect(sessions).toHaveLength(1);
      expect(await eventsFor(sessions[0]!.id)).toHaveLength(1);
    });
  });
});

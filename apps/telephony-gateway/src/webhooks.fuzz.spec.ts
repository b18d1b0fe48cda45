import { randomBytes } from 'node:crypto';
import { newId } from '@callplane/contracts';
import { SecretBox } from '@callplane/service-kit';
import { bootTestService, FakeExotel, liveKitEvent, signLiveKitWebhook, uniquePhoneNumber, uniqueSuffix, type TestService } from '@callplane/testing';
import { createGatewayModule } from './app';
import { KEYS, pct, prng, PUBLIC_BASE_URL, randomString, SECRET, twilioAttack, type Attack, type Rng } from './webhook-attacks.test-harness';

const LIVEKIT = { apiKey: 'APIfuzz', apiSecret: 'fuzz-livekit-secret-0123456789abcdef0123' };
const PER_ROUTE = 1000;

/** One hostile Exotel request: unknown CallSids (Exotel would not confirm them), bad parameters, unknown ids. */
function exotelAttack(r: Rng, route: 'incoming' | 'status', phoneId: string, number: string): Attack & { method: string } {
  const params = (p: Record<string, string>) => new URLSearchParams(p).toString();
  const real = { CallSid: randomBytes(16).toString('hex'), CallFrom: '09876543210', CallTo: number.replace('+91', '0'), Status: 'completed' };
  const method = route === 'incoming' && r.next() < 0.5 ? 'GET' : 'POST';
  const send = (path: string, p: Record<string, string> | string, label: string, headers: Record<string, string> = {}): Attack & { method: string } => {
    const q = typeof p === 'string' ? p : params(p);
    return method === 'GET'
      ? { label, method, path: `${path}?${q}`, headers: {}, body: undefined }
      : { label, method, path, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: q };
  };
  const base = `/exotel/${route}/${phoneId}`;
  switch (r.int(6)) {
    case 0:
      return send(base, real, 'CallSid Exotel does not know');
    case 1: {
      const p: Record<string, string> = {};
      for (let i = r.int(6); i > 0; i--) p[r.pick([...KEYS, 'CallFrom', 'CallTo', 'Status', 'digits'])] = randomString(r);
      p.CallSid = r.pick(['', '!!', 'x'.repeat(80), '\u0000', '../..']);
      return send(base, p, 'random params');
    }
    case 2:
      return send(`/exotel/${route}/${r.pick(['pn_' + uniqueSuffix(), pct(randomString(r) || 'x'), '%ZZ', 'a'.repeat(200)])}`, real, 'unknown phone id');
    case 3:
      return send(base, `CallSid=%E0%A4%A&CallFrom=${pct(randomString(r))}&CallTo=%`, 'bad encoding');
    case 4:
      return { label: 'wrong content type', method: 'POST', path: base, headers: { 'content-type': r.pick(['application/xml', 'text/plain', 'multipart/form-data; boundary=x']) }, body: randomString(r) };
    default:
      return send(base, { ...real, [r.pick(['CallFrom', 'CallTo', 'Status'])]: r.pick(['', '\u0007', 'x'.repeat(100), 'ringing']) }, 'poisoned field');
  }
}

/** One hostile LiveKit webhook: unsigned, forged, tampered, or signed garbage. */
async function livekitAttack(r: Rng, trunkNumber: string): Promise<Attack> {
  const real = liveKitEvent({ event: 'participant_joined', room: `call-${uniqueSuffix()}`, participant: { identity: 'sip_x', kind: 'SIP', attributes: { 'sip.trunkPhoneNumber': trunkNumber, 'sip.callID': `SCL_${uniqueSuffix()}` } } });
  const headers = { 'content-type': r.pick(['application/webhook+json', 'application/json']) };
  switch (r.int(6)) {
    case 0:
      return { label: 'unsigned', path: '/livekit/webhook', headers, body: real };
    case 1:
      return { label: 'wrong key', path: '/livekit/webhook', headers: { ...headers, authorization: await signLiveKitWebhook(real, { apiKey: LIVEKIT.apiKey, apiSecret: 'not-the-secret-0123456789abcdef0123' }) }, body: real };
    case 2:
      return { label: 'tampered body', path: '/livekit/webhook', headers: { ...headers, authorization: await signLiveKitWebhook(real, LIVEKIT) }, body: real.replace('sip_x', 'sip_y') };
    case 3:
      return { label: 'garbage token', path: '/livekit/webhook', headers: { ...headers, authorization: r.pick(['Bearer x', randomBytes(40).toString('base64'), 'a.b.c', '']) }, body: real };
    case 4: {
      const body = r.pick([randomString(r), '{"event": ', '[]', 'null', '{"event":"participant_joined","participant":{"kind":"NOPE"}}', '{"createdAt":"x"}']);
      return { label: 'signed garbage', path: '/livekit/webhook', headers: { ...headers, authorization: await signLiveKitWebhook(body, LIVEKIT) }, body };
    }
    default:
      return { label: 'wrong content type', path: '/livekit/webhook', headers: { 'content-type': 'text/plain', authorization: await signLiveKitWebhook(real, LIVEKIT) }, body: real };
  }
}

describe('webhook routes under 1,000 malformed or hostile requests each', () => {
  let svc: TestService;
  const secrets = new SecretBox(randomBytes(32));
  const phones = { signed: '', unsigned: '' };
  let sipDirectNumber = '';
  const exotel = { phoneId: '', number: '+919513886399' };
  const fakeExotel = new FakeExotel({ accounts: [{ sid: 'fuzzacct', apiKey: 'fuzz-key', apiToken: 'fuzz-token' }] });

  beforeAll(async () => {
    await fakeExotel.start();
    svc = await bootTestService({
      name: 'telephony-gateway',
      modules: ({ platform, routerDeps }) => [
        createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: 'sip.example.com', livekit: LIVEKIT, exotel: { apiBaseUrl: fakeExotel.url } }),
      ],
    });
    const tenantId = newId('tenant');
    await svc.prisma.tenant.create({ data: { id: tenantId, name: 'Fuzz' } });
    const agentId = newId('agent');
    await svc.prisma.agent.create({ data: { id: agentId, tenantId, name: 'Fuzz', systemPrompt: 'x', voice: {} } });
    phones.signed = newId('phoneNumber');
    phones.unsigned = newId('phoneNumber');
    const plivo = newId('phoneNumber');
    exotel.phoneId = newId('phoneNumber');
    sipDirectNumber = uniquePhoneNumber();
    await svc.prisma.phoneNumber.createMany({
      data: [
        { id: phones.signed, tenantId, number: uniquePhoneNumber(), provider: 'sip', agentId, signingSecretEnc: secrets.seal(SECRET) },
        { id: phones.unsigned, tenantId, number: uniquePhoneNumber(), provider: 'sip', agentId },
        { id: plivo, tenantId, number: sipDirectNumber, provider: 'plivo', agentId },
        {
          id: exotel.phoneId,
          tenantId,
          number: exotel.number,
          provider: 'exotel',
          byok: true,
          agentId,
          credentialsEnc: secrets.seal(JSON.stringify({ api_key: 'fuzz-key', api_token: 'fuzz-token', account_sid: 'fuzzacct' })),
        },
      ],
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await fakeExotel.stop();
  });

  /** Sends the attacks 25 at a time; a failure is any 5xx, or a 2xx/3xx not allowed for that attack. */
  async function fire(attacks: Attack[], may200: (a: Attack) => boolean = () => false, alsoAllowed: number[] = []) {
    const before = { sessions: await svc.prisma.callSession.count(), events: await svc.prisma.outboxEvent.count() };
    const failures: string[] = [];
    const byStatus = new Map<number, number>();
    for (let i = 0; i < attacks.length; i += 25) {
      await Promise.all(
        attacks.slice(i, i + 25).map(async (a, j) => {
          const res = await fetch(`${svc.url}${a.path}`, { method: a.method ?? 'POST', headers: a.headers, body: a.body });
          await res.arrayBuffer();
          byStatus.set(res.status, (byStatus.get(res.status) ?? 0) + 1);
          if (res.status >= 500 || (res.status < 400 && !(res.status === 200 && may200(a)) && !alsoAllowed.includes(res.status))) failures.push(`#${i + j} ${a.label} ${a.path.slice(0, 60)} → ${res.status}`);
        }),
      );
    }
    const after = { sessions: await svc.prisma.callSession.count(), events: await svc.prisma.outboxEvent.count() };
    return { failures, before, after, byStatus };
  }

  it.each([['incoming' as const, 1], ['status' as const, 2]])('POST /twilio/%s/:phone_id: only 4xx, nothing written (seed %i)', async (route, seed) => {
    const r = prng(seed);
    const { failures, before, after, byStatus } = await fire(Array.from({ length: PER_ROUTE }, () => twilioAttack(r, route, phones)));
    expect(failures).toEqual([]);
    expect(after).toEqual(before);
    // The run reached every layer: signature, validation, routing, body limits.
    expect([...byStatus.keys()].sort()).toEqual(expect.arrayContaining([400, 403, 404, 413]));
  });

  it.each([['incoming' as const, 4], ['status' as const, 5]])('GET|POST /exotel/%s/:phone_id: only 4xx, nothing written (seed %i)', async (route, seed) => {
    const r = prng(seed);
    // A status callback for a call that is no session of ours is acknowledged (204) so Exotel stops retrying; it writes nothing.
    const { failures, before, after, byStatus } = await fire(
      Array.from({ length: PER_ROUTE }, () => exotelAttack(r, route, exotel.phoneId, exotel.number)),
      () => false,
      route === 'status' ? [204] : [],
    );
    expect(failures).toEqual([]);
    expect(after).toEqual(before);
    expect([...byStatus.keys()]).toEqual(expect.arrayContaining([400, 404]));
  });

  it('POST /livekit/webhook: 403 unless signed, 4xx or an ignored 200 for signed garbage, nothing written (seed 3)', async () => {
    const r = prng(3);
    const attacks: Attack[] = [];
    for (let i = 0; i < PER_ROUTE; i++) attacks.push(await livekitAttack(r, sipDirectNumber));
    // LiveKit expects 200 for events it sent that we do not act on: only signed bodies may get one.
    const { failures, before, after, byStatus } = await fire(attacks, (a) => a.label === 'signed garbage');
    expect(failures).toEqual([]);
    expect(after).toEqual(before);
    expect(byStatus.get(403) ?? 0).toBeGreaterThan(PER_ROUTE / 2);
    expect([...byStatus.keys()]).toEqual(expect.arrayContaining([400, 403, 415]));
  });
});

import { randomBytes } from 'node:crypto';
import { newId } from '@callplane/contracts';
import { SecretBox } from '@callplane/service-kit';
import { bootTestService, FakeExotel, liveKitEvent, newCallSid, signLiveKitWebhook, twilioSignature, uniquePhoneNumber, uniqueSuffix, type TestService } from '@callplane/testing';
import { createGatewayModule } from './app';

const PUBLIC_BASE_URL = 'https://voice.example.com';
const LIVEKIT = { apiKey: 'APIfuzz', apiSecret: 'fuzz-livekit-secret-0123456789abcdef0123' };
const SECRET = 'fuzz-signing-secret-0001';
const PER_ROUTE = 1000;

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from the seed printed with it. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const NASTY = [
  '', ' ', '\u0000', '\r\n', '%', '%E0%A4%A', '%00', '%FF%FE', '😀'.repeat(50), 'a'.repeat(5000), '<Response><Hangup/></Response>', "' OR 1=1 --",
  '../../etc/passwd', '{"CallSid":1}', '+', '+1', '+99999999999999999999', '09052161119', 'anonymous', 'CA' + 'z'.repeat(32), 'CA' + 'f'.repeat(31), '\u202e', '\ud800',
];
const KEYS = ['CallSid', 'From', 'To', 'CallStatus', 'AccountSid', 'Direction', 'CallDuration', 'SipResponseCode', 'Timestamp', 'x', '', '__proto__', 'constructor', 'CallSid[]'];

function randomString(r: Rng): string {
  if (r.next() < 0.5) return r.pick(NASTY);
  const len = r.int(64);
  return Array.from({ length: len }, () => String.fromCharCode(r.int(0xffff))).join('');
}

/** Every byte percent-encoded (lone surrogates become U+FFFD first, as a client would send them). */
const pct = (s: string) => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

interface Attack {
  method?: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | string | undefined;
  label: string;
}

/** One hostile request for a Twilio-format route: never a valid signed call, by construction. */
function twilioAttack(r: Rng, route: 'incoming' | 'status', phones: { signed: string; unsigned: string }): Attack {
  const kind = r.int(9);
  const validish: Record<string, string> = { CallSid: newCallSid(), From: '+14155550100', To: '+14155550101', CallStatus: 'completed', AccountSid: `AC${'1'.repeat(32)}` };
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };
  switch (kind) {
    case 0: {
      // Forged, missing or misdirected signatures on the signed number.
      const path = `/twilio/${route}/${phones.signed}`;
      const sig = r.pick([randomBytes(20).toString('base64'), '', twilioSignature(SECRET, `${PUBLIC_BASE_URL}/twilio/${route}/${phones.unsigned}`, validish), twilioSignature('wrong', `${PUBLIC_BASE_URL}${path}`, validish)]);
      return { label: 'forged signature', path, headers: { ...formHeaders, ...(sig ? { 'x-twilio-signature': sig } : {}) }, body: form(validish) };
    }
    case 1: {
      // Random parameters on the unsigned number, with CallSid always unusable.
      const params: Record<string, string> = {};
      for (let i = r.int(8); i > 0; i--) params[r.pick(KEYS)] = randomString(r);
      params.CallSid = r.pick(['', 'CA123', randomString(r).slice(0, 10), 'SM' + 'a'.repeat(32)]);
      return { label: 'random params', path: `/twilio/${route}/${phones.unsigned}`, headers: formHeaders, body: form(params) };
    }
    case 2:
      // Unknown, malformed or hostile phone ids.
      return {
        label: 'unknown phone id',
        path: `/twilio/${route}/${r.pick(['pn_' + uniqueSuffix(), pct(randomString(r) || 'x'), 'a'.repeat(200), '%2e%2e', '%ZZ', '%00', 'pn_' + 'x'.repeat(20)])}`,
        headers: formHeaders,
        body: form(validish),
      };
    case 3:
      // Wrong content types (the unsigned number must not accept a call in JSON, XML or text).
      return {
        label: 'wrong content type',
        path: `/twilio/${route}/${phones.unsigned}`,
        headers: { 'content-type': r.pick(['application/json', 'text/plain', 'application/xml', 'multipart/form-data; boundary=x', 'application/octet-stream']) },
        body: r.pick([JSON.stringify(validish), '<xml/>', randomString(r), '--x\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\nCA1\r\n--x--']),
      };
    case 4:
      // Bytes that are not UTF-8, and broken percent-encoding.
      return { label: 'bad encoding', path: `/twilio/${route}/${phones.unsigned}`, headers: formHeaders, body: Buffer.concat([Buffer.from('CallSid=%E0%A4%A&From='), randomBytes(16 + r.int(64)), Buffer.from('&To=%')]) };
    case 5:
      // Huge bodies (over the 256 kB limit) and many parameters (over the 1,000 limit).
      return r.next() < 0.5
        ? { label: 'huge body', path: `/twilio/${route}/${phones.signed}`, headers: formHeaders, body: `CallSid=${'A'.repeat(300_000)}` }
        : { label: 'too many params', path: `/twilio/${route}/${phones.unsigned}`, headers: formHeaders, body: Array.from({ length: 1200 }, (_, i) => `p${i}=1`).join('&') };
    case 6:
      // A parameter sent twice can't be Twilio's.
      return { label: 'repeated param', path: `/twilio/${route}/${phones.signed}`, headers: { ...formHeaders, 'x-twilio-signature': randomBytes(20).toString('base64') }, body: `${form(validish)}&CallSid=${newCallSid()}` };
    case 7:
      // Valid shape, one field poisoned, on the unsigned number.
      return {
        label: 'poisoned field',
        path: `/twilio/${route}/${phones.unsigned}`,
        headers: formHeaders,
        body: form({ ...validish, CallSid: r.pick(['CA' + '\u0000'.repeat(32), 'ca' + 'g'.repeat(32), '']), [r.pick(['From', 'To', 'CallStatus'])]: r.pick(['\u0000', '\u0007bell', 'x'.repeat(500)]) }),
      };
    default:
      // No body at all, or an empty one.
      return { label: 'empty', path: `/twilio/${route}/${r.pick([phones.signed, phones.unsigned])}`, headers: r.next() < 0.5 ? formHeaders : {}, body: r.next() < 0.5 ? '' : undefined };
  }
}

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

import { randomBytes } from 'node:crypto';
import { newId } from '@callplane/contracts';
import { SecretBox } from '@callplane/service-kit';
import { bootTestService, newCallSid, twilioSignature, uniquePhoneNumber, type TestService } from '@callplane/testing';
import { createGatewayModule } from './app';
import { prng, PUBLIC_BASE_URL, SECRET, twilioAttack, type Attack } from './webhook-attacks.test-harness';

/**
 * The Twilio webhooks are served on a lean path without express (libs/service-kit lean-routes.ts). The same
 * requests — valid calls, retries, status callbacks and a thousand hostile ones — must get the same answers from it
 * as from express, which the lean path falls back to for anything unusual: two gateways on one database, one with
 * lean routes and one without.
 */
describe('lean webhook path answers exactly as express does', () => {
  const secrets = new SecretBox(randomBytes(32));
  const phones = { signed: newId('phoneNumber'), unsigned: newId('phoneNumber') };
  let lean: TestService;
  let plain: TestService;

  beforeAll(async () => {
    const boot = (leanRoutes: boolean) =>
      bootTestService({
        name: 'telephony-gateway',
        leanRoutes,
        modules: ({ platform, routerDeps }) => [createGatewayModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL, livekitSipHost: 'sip.example.com' })],
      });
    [lean, plain] = await Promise.all([boot(true), boot(false)]);
    const tenantId = newId('tenant');
    await lean.prisma.tenant.create({ data: { id: tenantId, name: 'Parity' } });
    const agentId = newId('agent');
    await lean.prisma.agent.create({ data: { id: agentId, tenantId, name: 'Parity', systemPrompt: 'x', voice: {} } });
    await lean.prisma.phoneNumber.createMany({
      data: [
        { id: phones.signed, tenantId, number: uniquePhoneNumber(), provider: 'sip', agentId, signingSecretEnc: secrets.seal(SECRET) },
        { id: phones.unsigned, tenantId, number: uniquePhoneNumber(), provider: 'sip', agentId },
      ],
    });
  });
  afterAll(async () => {
    await Promise.all([lean?.stop(), plain?.stop()]);
  });

  interface Answer {
    status: number;
    type: string | null;
    body: string;
    requestId: boolean;
  }
  async function answer(svc: TestService, a: Attack): Promise<Answer> {
    const { 'transfer-encoding': chunked, ...headers } = a.headers;
    // fetch sends a streamed body chunked (it refuses the header itself).
    const body = chunked && a.body !== undefined ? new Blob([a.body]).stream() : a.body;
    const res = await fetch(`${svc.url}${a.path}`, { method: a.method ?? 'POST', headers, body, ...(chunked ? { duplex: 'half' } : {}) } as RequestInit);
    return { status: res.status, type: res.headers.get('content-type'), body: await res.text(), requestId: !!res.headers.get('x-request-id') };
  }

  /** A call Twilio would really send, signed for the signed number. */
  function signedCall(route: 'incoming' | 'status', callSid = newCallSid(), extra: Record<string, string> = {}): Attack {
    const params = { CallSid: callSid, From: '+14155550100', To: '+14155550101', AccountSid: `AC${'1'.repeat(32)}`, CallStatus: route === 'incoming' ? 'ringing' : 'completed', ...extra };
    const path = `/twilio/${route}/${phones.signed}`;
    return { label: 'signed call', path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(SECRET, `${PUBLIC_BASE_URL}${path}`, params) }, body: new URLSearchParams(params).toString() };
  }

  it('a new call, its retry (on either path) and its status callback: the same TwiML and outcomes', async () => {
    const call = signedCall('incoming');
    const first = await answer(lean, call);
    expect(first).toMatchObject({ status: 200, type: 'text/xml; charset=utf-8', requestId: true });
    expect(first.body).toContain('<Dial');
    // The retry reaches the other path: same session, same TwiML, byte for byte.
    expect(await answer(plain, call)).toEqual(first);
    expect(await answer(lean, call)).toEqual(first);

    const callSid = /CallSid=([^&]+)/.exec(String(call.body))![1]!;
    const status = signedCall('status', callSid, { CallDuration: '12' });
    expect(await answer(lean, status)).toEqual({ status: 204, type: null, body: '', requestId: true });
    expect(await answer(plain, status)).toEqual({ status: 204, type: null, body: '', requestId: true });
  });

  it('the lean gateway really answers without express (no ETag, which express adds to JSON bodies even on a POST)', async () => {
    const forged = { ...signedCall('incoming'), headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' } };
    const [l, p] = await Promise.all(
      [lean, plain].map((svc) => fetch(`${svc.url}${forged.path}`, { method: 'POST', headers: forged.headers, body: forged.body })),
    );
    expect([l!.status, p!.status]).toEqual([403, 403]);
    expect(l!.headers.get('etag')).toBeNull();
    expect(p!.headers.get('etag')).not.toBeNull();
    expect(await l!.json()).toEqual(await p!.json());
  });

  it('the client\'s x-request-id is kept on both paths', async () => {
    for (const svc of [lean, plain]) {
      const res = await fetch(`${svc.url}/twilio/incoming/${phones.unsigned}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-request-id': 'twilio-retry-7' }, body: 'CallSid=' });
      expect(res.headers.get('x-request-id')).toBe('twilio-retry-7');
    }
  });

  it.each([['incoming' as const, 11], ['status' as const, 12]])('1,000 hostile requests to /twilio/%s: identical answers (seed %i)', async (route, seed) => {
    const r = prng(seed);
    const attacks = Array.from({ length: 1000 }, () => twilioAttack(r, route, phones));
    // Paths express takes differently from the lean prefix match: another case, a trailing slash, a query string.
    attacks.push(
      { ...signedCall(route), label: 'upper case', path: `/TWILIO/${route}/${phones.unsigned}` },
      { ...signedCall(route), label: 'trailing slash', path: `/twilio/${route}/${phones.unsigned}/` },
      { ...signedCall(route), label: 'query', path: `/twilio/${route}/${phones.signed}?attempt=2` },
      { ...signedCall(route), label: 'chunked', headers: { 'content-type': 'application/x-www-form-urlencoded', 'transfer-encoding': 'chunked' } },
    );
    const differences: string[] = [];
    for (let i = 0; i < attacks.length; i += 25) {
      await Promise.all(
        attacks.slice(i, i + 25).map(async (a, j) => {
          const [l, p] = await Promise.all([answer(lean, a), answer(plain, a)]);
          if (JSON.stringify(l) !== JSON.stringify(p)) differences.push(`#${i + j} ${a.label} ${a.path.slice(0, 50)}: lean ${l.status} ${l.body.slice(0, 120)} | express ${p.status} ${p.body.slice(0, 120)}`);
        }),
      );
    }
    expect(differences).toEqual([]);
  });
});

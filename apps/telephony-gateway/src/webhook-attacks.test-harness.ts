import { randomBytes } from 'node:crypto';
import { newCallSid, percentEncode, twilioSignature, uniqueSuffix } from '@callplane/testing';

// Hostile Twilio-format webhook requests, shared by the fuzz spec and the lean/express parity spec.

export const PUBLIC_BASE_URL = 'https://voice.example.com';
/** The signed test number's signing secret. */
export const SECRET = 'fuzz-signing-secret-0001';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed from the seed printed with it. */
export function prng(seed: number) {
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
export type Rng = ReturnType<typeof prng>;

const NASTY = [
  '', ' ', '\u0000', '\r\n', '%', '%E0%A4%A', '%00', '%FF%FE', '😀'.repeat(50), 'a'.repeat(5000), '<Response><Hangup/></Response>', "' OR 1=1 --",
  '../../etc/passwd', '{"CallSid":1}', '+', '+1', '+99999999999999999999', '09052161119', 'anonymous', 'CA' + 'z'.repeat(32), 'CA' + 'f'.repeat(31), '\u202e', '\ud800',
];
export const KEYS = ['CallSid', 'From', 'To', 'CallStatus', 'AccountSid', 'Direction', 'CallDuration', 'SipResponseCode', 'Timestamp', 'x', '', '__proto__', 'constructor', 'CallSid[]'];

export function randomString(r: Rng): string {
  if (r.next() < 0.5) return r.pick(NASTY);
  const len = r.int(64);
  return Array.from({ length: len }, () => String.fromCharCode(r.int(0xffff))).join('');
}

/** Every byte percent-encoded: the shared hostile-input library's (libs/testing hostile/). */
export const pct = percentEncode;

export interface Attack {
  method?: string;
  path: string;
  headers: Record<string, string>;
  body: Buffer | string | undefined;
  label: string;
}

/** One hostile request for a Twilio-format route: never a valid signed call, by construction. */
export function twilioAttack(r: Rng, route: 'incoming' | 'status', phones: { signed: string; unsigned: string }): Attack {
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


import { twilioSignature } from '@callplane/testing';
import twilio from 'twilio';
import { verifyTwilioSignature } from './twilio-signature';

const TOKEN = 'twilio-auth-token-0123456789abcdef';
const PARAMS = { CallSid: `CA${'a'.repeat(32)}`, From: '+919876543210', To: '+14155550142', CallToken: '{"x":"é ü 漢字 😀"}', Empty: '' };

/** Every URL shape the gateway can be called on: default and explicit ports, http, query strings, encodings, credentials. */
const URLS = [
  'https://voice.example.com/twilio/incoming/pn_1',
  'https://voice.example.com:443/twilio/incoming/pn_1',
  'https://voice.example.com:8443/twilio/incoming/pn_1',
  'http://voice.example.com/twilio/incoming/pn_1',
  'http://voice.example.com:80/twilio/incoming/pn_1',
  'http://127.0.0.1:3000/twilio/incoming/pn_1',
  'https://voice.example.com/twilio/incoming/pn_1?a=1&b=two%20words&c=x+y',
  'https://voice.example.com/twilio/incoming/pn_1?b=2&a=1&a=0&empty=&q=%7E*',
  'https://voice.example.com/twilio/incoming/pn_%C3%A9?x=%E2%9C%93',
  'https://user:pass@voice.example.com/twilio/incoming/pn_1',
  'https://VOICE.Example.com/twilio/./incoming/pn_1',
  'https://voice.example.com',
];

/** What Twilio may have signed for a URL: as configured, with the default port added, without it. */
function signedVariants(url: string): string[] {
  const u = new URL(url);
  const withPort = new URL(url);
  if (!withPort.port) withPort.port = u.protocol === 'https:' ? '443' : '80';
  const withoutPort = new URL(url);
  withoutPort.port = '';
  return [url, u.toString(), withoutPort.toString(), `${u.protocol}//${u.username ? `${u.username}:${u.password}@` : ''}${u.host}${u.port ? '' : u.protocol === 'https:' ? ':443' : ':80'}${u.pathname}${u.search}`];
}

describe('verifyTwilioSignature', () => {
  it('accepts and refuses exactly what the SDK validateRequest does, for every URL shape and signed variant', () => {
    let accepted = 0;
    for (const url of URLS) {
      for (const signedUrl of [...signedVariants(url), ...signedVariants(URLS[0]!)]) {
        for (const params of [PARAMS, {}, { ...PARAMS, From: '+10000000000' }]) {
          const signature = twilioSignature(TOKEN, signedUrl, PARAMS);
          const ours = verifyTwilioSignature({ authToken: TOKEN, signature, url, params });
          expect([url, signedUrl, params, ours]).toEqual([url, signedUrl, params, twilio.validateRequest(TOKEN, signature, url, params)]);
          if (ours) accepted++;
        }
      }
    }
    expect(accepted).toBeGreaterThan(URLS.length); // the oracle agreed on acceptances, not only on refusals
  });

  it('accepts the signature over the URL as configured, with and without the default port', () => {
    const url = 'https://voice.example.com/twilio/incoming/pn_1';
    for (const signed of [url, 'https://voice.example.com:443/twilio/incoming/pn_1']) {
      expect(verifyTwilioSignature({ authToken: TOKEN, signature: twilioSignature(TOKEN, signed, PARAMS), url, params: PARAMS })).toBe(true);
      expect(verifyTwilioSignature({ authToken: TOKEN, signature: twilioSignature(TOKEN, signed, PARAMS), url: signed, params: PARAMS })).toBe(true);
    }
  });

  it('refuses a missing, malformed or wrong signature, another token, another URL and changed parameters', () => {
    const url = 'https://voice.example.com/twilio/incoming/pn_1';
    const good = twilioSignature(TOKEN, url, PARAMS);
    const check = (over: Partial<Parameters<typeof verifyTwilioSignature>[0]>) => verifyTwilioSignature({ authToken: TOKEN, signature: good, url, params: PARAMS, ...over });
    expect(check({})).toBe(true);
    expect(check({ signature: undefined })).toBe(false);
    expect(check({ signature: '' })).toBe(false);
    expect(check({ signature: good.slice(0, -1) })).toBe(false);
    expect(check({ signature: `${good}=` })).toBe(false);
    expect(check({ signature: good.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })).toBe(false);
    expect(check({ signature: good.toLowerCase() === good ? good.toUpperCase() : good.toLowerCase() })).toBe(false);
    expect(check({ authToken: `${TOKEN}x` })).toBe(false);
    expect(check({ url: 'https://voice.example.com/twilio/incoming/pn_2' })).toBe(false);
    expect(check({ url: 'http://voice.example.com/twilio/incoming/pn_1' })).toBe(false);
    expect(check({ params: { ...PARAMS, To: '+14155550143' } })).toBe(false);
    expect(check({ params: { ...PARAMS, Extra: '1' } })).toBe(false);
  });

  it('throws on a URL that is not one, as the SDK does', () => {
    expect(() => twilio.validateRequest(TOKEN, 'x'.repeat(28), 'not a url', {})).toThrow();
    expect(() => verifyTwilioSignature({ authToken: TOKEN, signature: 'x'.repeat(28), url: 'not a url', params: {} })).toThrow();
  });
});

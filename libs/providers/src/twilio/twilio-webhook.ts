import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';
import twilio from 'twilio';

/**
 * X-Twilio-Signature: HMAC-SHA1 over the public URL plus sorted POST params (twilio-node
 * src/webhooks/webhooks.ts). `url` must be the URL Twilio called (PUBLIC_BASE_URL), not the pod's.
 *
 * Accepts exactly what the SDK's `validateRequest` accepts — the URL without its port, with the scheme's default
 * port, and both again with the query string re-encoded the legacy way — but computes one HMAC at a time and
 * stops at the first match (the SDK hashes up to four URLs and parses the URL each time). The URL variants are
 * cached per URL: on the webhook path they repeat for every call to a number.
 */
export function verifyTwilioSignature(input: { authToken: string; signature: string | undefined; url: string; params: Record<string, string> }): boolean {
  if (!input.signature) return false;
  const signature = Buffer.from(input.signature);
  // Twilio's signatures are base64 HMAC-SHA1: 28 characters. Anything else cannot match (the SDK's compare says the same).
  if (signature.length !== SIGNATURE_LENGTH) return false;
  const suffix = signedParams(input.params);
  for (const url of urlVariants(input.url)) {
    const expected = Buffer.from(createHmac('sha1', input.authToken).update(url + suffix, 'utf8').digest('base64'));
    if (timingSafeEqual(expected, signature)) return true;
  }
  return false;
}

const SIGNATURE_LENGTH = 28;

/** Sorted names, each followed by its value (a repeated name: its distinct values, sorted), as the SDK signs them. */
function signedParams(params: Record<string, string | string[]>): string {
  let data = '';
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (Array.isArray(value)) for (const v of Array.from(new Set(value)).sort()) data += key + v;
    else data += key + value;
  }
  return data;
}

const variantCache = new Map<string, string[]>();
const VARIANT_CACHE_MAX = 10_000;

/** The SDK's candidates, in its order, without repeats: removePort, addPort, then both with the legacy query string. */
function urlVariants(url: string): string[] {
  let variants = variantCache.get(url);
  if (variants) return variants;
  const parsed = new URL(url); // throws on a malformed URL, as the SDK does
  const withoutPort = removePort(parsed);
  const withPort = addPort(parsed);
  variants = [...new Set([withoutPort, withPort, withLegacyQuerystring(withoutPort), withLegacyQuerystring(withPort)])];
  if (variantCache.size >= VARIANT_CACHE_MAX) variantCache.clear();
  variantCache.set(url, variants);
  return variants;
}

function removePort(parsed: URL): string {
  const u = new URL(parsed);
  u.port = '';
  return u.toString();
}

function addPort(parsed: URL): string {
  if (parsed.port) return parsed.toString();
  const port = parsed.protocol === 'https:' ? ':443' : ':80';
  let url = parsed.protocol ? `${parsed.protocol}//` : '';
  url += parsed.username;
  url += parsed.password ? `:${parsed.password}` : '';
  url += parsed.username || parsed.password ? '@' : '';
  url += parsed.host ? parsed.host + port : '';
  return url + parsed.pathname + parsed.search + parsed.hash;
}

function withLegacyQuerystring(url: string): string {
  const parsed = new URL(url);
  if (!parsed.search) return url;
  const query = parseLegacyQuery(parsed.search.slice(1));
  parsed.search = '';
  return `${parsed.toString()}?${stringifyLegacyQuery(query)}`;
}

/*
 * TwiML. The two answers of the webhook path are written as strings: byte for byte what the SDK's builder
 * (xmlbuilder) writes, at a fraction of its cost. Text the fast path does not cover — empty strings (the SDK
 * writes self-closing elements), characters outside the plain XML range (the SDK refuses some, encodes others) —
 * goes through the SDK, so the answer (or the error) stays the SDK's.
 */
const XML_HEAD = '<?xml version="1.0" encoding="UTF-8"?>';
/** Tab, newline, carriage return and the Basic Multilingual Plane without surrogates and U+FFFE/U+FFFF. */
const PLAIN_XML = /^[\t\n\r\u0020-\ud7ff\ue000-\ufffd]+$/;
const plain = (s: string) => PLAIN_XML.test(s);

/** Element text as xmlbuilder escapes it. */
const escapeText = (s: string) => (/[&<>\r]/.test(s) ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;') : s);
/** Attribute values as xmlbuilder escapes them. */
const escapeAttr = (s: string) =>
  /[&<"\t\n\r]/.test(s)
    ? s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/"/g, '&quot;').replace(/\t/g, '&#x9;').replace(/\n/g, '&#xA;').replace(/\r/g, '&#xD;')
    : s;

const STATUS_EVENTS: Array<'initiated' | 'ringing' | 'answered' | 'completed'> = ['initiated', 'ringing', 'answered', 'completed'];

/** Forward the call to LiveKit SIP (LiveKit docs, "accepting calls from Twilio voice"): one <Sip> per <Dial>. */
export function twimlDialSip(sipUri: string, opts: { username?: string; password?: string; statusCallback?: string } = {}): string {
  const attrs: Array<[string, string]> = [];
  if (opts.username) attrs.push(['username', opts.username]);
  if (opts.password) attrs.push(['password', opts.password]);
  if (opts.statusCallback) attrs.push(['statusCallback', opts.statusCallback], ['statusCallbackEvent', STATUS_EVENTS.join(' ')], ['statusCallbackMethod', 'POST']);
  if (!plain(sipUri) || !attrs.every(([, v]) => plain(v))) return twimlDialSipWithSdk(sipUri, opts);
  let sip = '<Sip';
  for (const [name, value] of attrs) sip += ` ${name}="${escapeAttr(value)}"`;
  return `${XML_HEAD}<Response><Dial answerOnBridge="true">${sip}>${escapeText(sipUri)}</Sip></Dial></Response>`;
}

/** Speak a message and hang up: after hours, unassigned numbers, anything we must refuse politely. */
export function twimlSayHangup(message: string): string {
  if (!plain(message)) return twimlSayHangupWithSdk(message);
  return `${XML_HEAD}<Response><Say>${escapeText(message)}</Say><Hangup/></Response>`;
}

/** The SDK's builder: the reference the string versions are tested against, and their fallback. */
export function twimlDialSipWithSdk(sipUri: string, opts: { username?: string; password?: string; statusCallback?: string } = {}): string {
  const response = new twilio.twiml.VoiceResponse();
  const dial = response.dial({ answerOnBridge: true });
  dial.sip(
    {
      ...(opts.username ? { username: opts.username } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.statusCallback ? { statusCallback: opts.statusCallback, statusCallbackEvent: STATUS_EVENTS, statusCallbackMethod: 'POST' } : {}),
    },
    sipUri,
  );
  return response.toString();
}

export function twimlSayHangupWithSdk(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

import { createHmac, timingSafeEqual } from 'node:crypto';
import { parse as parseLegacyQuery, stringify as stringifyLegacyQuery } from 'node:querystring';

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

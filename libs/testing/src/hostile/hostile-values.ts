import fc from 'fast-check';

// The raw material of hostile requests: strings, JSON values and texts, content types and path segments a careless
// or malicious client sends. Shared by every hostile-input spec (hostile-requests.ts builds requests from them).

/** Strings that have broken parsers, databases and templates before. */
const NASTY_STRINGS = [
  '', ' ', '\u0000', 'a\u0000b', '\ud800', '\udfff', 'x\ud83dy', '\u202e', '\r\n', '\t', '%00', '%', '%E0%A4%A', '../../etc/passwd', "' OR 1=1 --",
  '<script>alert(1)</script>', '{{customer_name}}', '${7*7}', '😀'.repeat(100), '𝕏\u{10ffff}\u{e0001}', '+', '+1', '+99999999999999999999', '09052161119', 'null', 'undefined',
  'NaN', '-0', '1e309', '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'agt_', 'pn_', 'cs_x', 'ten_../..', 'true', '[]', '{}',
];

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...NASTY_STRINGS), weight: 20 },
  { arbitrary: fc.string({ unit: codeUnit, maxLength: 40 }), weight: 20 },
  // Longer than any field allows; rarely over the 256 kB body limit.
  { arbitrary: fc.constantFrom(1_000, 5_000, 70_000).map((n) => 'x'.repeat(n)), weight: 2 },
  { arbitrary: fc.constant('x'.repeat(300_000)), weight: 1 },
);

/** Object keys that poison prototypes, paths and queries. */
export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', '', '\u0000', 'a.b', '$where', '$gt', 'then', 'toJSON', 'valueOf', 'length', '0', 'id', 'tenant_id'),
  fc.string({ unit: codeUnit, maxLength: 12 }),
);

/** An object with exactly these own keys, `__proto__` included (an assignment would set the prototype instead). */
export function objectOf(entries: Array<[string, unknown]>): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** JSON values of every kind: hostile strings, extreme numbers, huge arrays, prototype keys, nesting. */
export const hostileValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { arbitrary: hostileString, weight: 6 },
    { arbitrary: fc.constantFrom(0, -1, 1.5, -0, 1e308, -1e308, 2 ** 53 + 1, 4.9e-324, 2147483648, -2147483649), weight: 3 },
    { arbitrary: fc.boolean(), weight: 1 },
    { arbitrary: fc.constant(null), weight: 1 },
    { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 2 },
    { arbitrary: fc.array(fc.tuple(hostileKey, tie('value')), { maxLength: 4 }).map(objectOf), weight: 2 },
    { arbitrary: fc.constantFrom(1_000, 20_000, 140_000).map((n) => new Array<number>(n).fill(0)), weight: 1 },
  ),
})).value;

/** `[[[…]]]` this deep: parsers cope, recursive walkers may not. */
export const deepNesting = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);
export const nestingDepth = fc.constantFrom(100, 5_000, 50_000, 120_000);

/** Texts no JSON parser accepts. */
export const badJsonText: fc.Arbitrary<string> = fc.constantFrom('{', '{"a":}', "{'a':1}", '{"a":1,}', 'NaN', '[1,]', '{"a":1}{"b":2}', '{"a":"\\x"}', '{"a":01}', '{"a":"\u0000', '}{', '{"__proto__":');

/** JSON that is no object (strict body parsers refuse most of them; a schema expecting an object refuses the rest). */
export const nonObjectJson: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('[]', '[1,2,3]', '"a string"', '123', 'true', 'null', '[{"name":"x"}]'),
  nestingDepth.map(deepNesting),
);

/** Content types a JSON route must refuse, each with a body to send under it. */
export const wrongContentType: fc.Arbitrary<{ type: string; body: string }> = fc.constantFrom(
  { type: 'text/plain', body: '{"name":"x"}' },
  { type: 'application/xml', body: '<name>x</name>' },
  { type: 'application/x-www-form-urlencoded', body: 'name=x&__proto__[admin]=1' },
  { type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n--x--' },
  { type: 'application/octet-stream', body: '\u0000\u0001' },
  { type: 'application/vnd.api+json', body: '{"name":"x"}' },
  { type: 'text/json', body: '{}' },
  { type: 'application/json; charset=latin1', body: '{}' },
  { type: 'application/json; charset=utf-16', body: '{}' },
  { type: 'application/jsonx', body: '{}' },
);

/** Every byte percent-encoded (lone surrogates become U+FFFD first, as a client would send them). */
export const percentEncode = (s: string): string => [...Buffer.from(s, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** A path segment as sent on the wire: hostile text percent-encoded, or broken encodings raw. */
export const hostileSegment: fc.Arbitrary<string> = fc.oneof(
  // Not empty: an empty segment is another route (`/voice/campaigns/` is the list), not a hostile id.
  hostileString.filter((s) => s.length > 0 && s.length < 3_000).map(percentEncode),
  fc.constantFrom('%ZZ', '%', '%E0%A4%A', '%00', '..', '%2e%2e', '%2F', '%2f..%2f', '.', '%20', '%C0%AE', '%FF%FE', 'a'.repeat(2_000), '0', '-1', '1e9'),
);

/** A header value node's HTTP client accepts (no control characters), with Latin-1 noise. */
export const headerNoise: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f).map((c) => String.fromCharCode(c)), maxLength: 60 }),
  fc.constantFrom('', ' ', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'null', 'x'.repeat(8_000)),
);

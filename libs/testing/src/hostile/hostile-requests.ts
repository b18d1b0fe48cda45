import { ID_PREFIX, type IdKind } from '@callplane/contracts';
import fc from 'fast-check';
import type { ApiOperation, ApiParameter } from './api-operations';
import {
  badJsonText,
  deepNesting,
  headerNoise,
  hostileKey,
  hostileSegment,
  hostileString,
  hostileValue,
  nestingDepth,
  nonObjectJson,
  objectOf,
  percentEncode,
  wrongContentType,
} from './hostile-values';
import { schemaValue, type FieldHints } from './schema-values';

/** What exists in the database a hostile run attacks: whose it is decides whether a request may act on it. */
export interface FuzzWorld {
  /** The attacking user's valid API key, and the operator token. */
  apiKey: string;
  adminToken: string;
  /** Ids that exist: the attacking user's tenant's (`own`) and another tenant's (`foreign`). */
  ids: Partial<Record<IdKind, { own: string[]; foreign: string[] }>>;
  /** Phone numbers in E.164 that exist, the same way. */
  numbers: { own: string[]; foreign: string[] };
}

/** One request as it goes on the wire. */
export interface HostileRequest {
  method: string;
  /** Path and query, percent-encoded as sent. */
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  /**
   * Why the service must refuse it (no credentials, another tenant's id, a body no schema allows…), or null for a
   * read that it may answer. Every request that could write carries one.
   */
  defect: string | null;
}

/** A part of a request, and whether it alone makes the request one the service must refuse. */
interface Part<T> {
  value: T;
  defect: string | null;
}
const ok = <T>(value: T): Part<T> => ({ value, defect: null });
const bad =
  (defect: string) =>
  <T>(value: T): Part<T> => ({ value, defect });

/** The kind of id a path parameter or body field of this name holds (the API's names, ID_PREFIX's kinds). */
export const ID_KIND_BY_NAME: Record<string, IdKind> = {
  tenant_id: 'tenant',
  user_id: 'user',
  agent_id: 'agent',
  phone_id: 'phoneNumber',
  failover_phone_id: 'phoneNumber',
  session_id: 'callSession',
  campaign_id: 'campaign',
};

const base36 = fc.string({ unit: fc.constantFrom(...'0123456789abcdefghijklmnopqrstuvwxyz'), minLength: 20, maxLength: 20 });
const e164 = fc.tuple(fc.constantFrom('+1415', '+1212', '+91', '+44', '+1555010', '+1555011'), fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 4, maxLength: 8 })).map(([p, n]) => p + n);
const some = <T>(xs: readonly T[]): fc.Arbitrary<T> | null => (xs.length ? fc.constantFrom(...xs) : null);
const oneOfPresent = <T>(...arbs: Array<fc.Arbitrary<T> | null>): fc.Arbitrary<T> => fc.oneof(...arbs.filter((a): a is fc.Arbitrary<T> => a !== null));

/** Values for body fields and query parameters by name: ids and numbers that exist (any tenant's), time zones, URLs. */
function fieldHints(world: FuzzWorld): FieldHints {
  return (name) => {
    const kind = ID_KIND_BY_NAME[name];
    if (kind) {
      const pool = world.ids[kind];
      return oneOfPresent(some(pool?.own ?? []), some(pool?.foreign ?? []), base36.map((s) => `${ID_PREFIX[kind]}_${s}`));
    }
    if (/number/.test(name)) return oneOfPresent(some(world.numbers.own), some(world.numbers.foreign), e164);
    if (name === 'timezone') return fc.constantFrom('UTC', 'Asia/Kolkata', 'America/New_York', 'Mars/Olympus_Mons', 'utc', '+05:30');
    if (/url$/.test(name)) return fc.constantFrom('https://example.com/hook', 'http://127.0.0.1:9/x', 'http://169.254.169.254/latest/meta-data', 'ftp://example.com/', 'javascript:alert(1)', 'https://user:pass@example.com');
    return undefined;
  };
}

/** The Authorization header: the right credential, or one the route must refuse. */
function authPart(op: ApiOperation, world: FuzzWorld): fc.Arbitrary<Part<string | undefined>> {
  if (op.auth === 'none') return fc.option(headerNoise, { nil: undefined }).map(ok);
  const valid = op.auth === 'user' ? world.apiKey : world.adminToken;
  const other = op.auth === 'user' ? world.adminToken : world.apiKey;
  return fc.oneof({ arbitrary: fc.constantFrom(`Bearer ${valid}`, `bearer ${valid}`, `Bearer ${valid} `).map(ok), weight: 3 }, { arbitrary: badAuth(valid, other), weight: 1 });
}

function badAuth(valid: string, other: string): fc.Arbitrary<Part<string | undefined>> {
  return fc
    .oneof(
      fc.constant(undefined),
      fc.constantFrom(`Bearer ${other}`, `Bearer ${valid}x`, `Bearer ${valid.slice(0, -1)}`, `Token ${valid}`, `Bearer ${valid} ${valid}`, valid, `Basic ${Buffer.from(`${valid}:`).toString('base64')}`),
      headerNoise,
    )
    .map(bad('bad credentials'));
}

/** One path parameter's value: an id that exists (fine, or another tenant's), one that does not, or garbage. */
function paramPart(op: ApiOperation, p: ApiParameter, world: FuzzWorld): fc.Arbitrary<Part<string>> {
  const garbage = hostileSegment.map(bad(`hostile ${p.name}`));
  if (p.schema.enum) return fc.oneof({ arbitrary: fc.constantFrom(...(p.schema.enum as string[])).map(ok), weight: 2 }, { arbitrary: garbage, weight: 1 });
  const kind = ID_KIND_BY_NAME[p.name];
  if (kind) {
    const pool = world.ids[kind] ?? { own: [], foreign: [] };
    // A customer acting on another tenant's resource must be told it does not exist; the operator may act on any.
    const foreign = op.auth === 'user' ? bad(`another tenant's ${p.name}`) : ok;
    return oneOfPresent(
      some(pool.own)?.map(ok) ?? null,
      some(pool.foreign)?.map(foreign) ?? null,
      base36.map((s) => `${ID_PREFIX[kind]}_${s}`).map(bad(`unknown ${p.name}`)),
      garbage,
    );
  }
  if (/number/.test(p.name)) return oneOfPresent(some(world.numbers.own)?.map(ok) ?? null, e164.map(ok), garbage).map((part) => ({ ...part, value: part.defect ? part.value : encodeURIComponent(part.value) }));
  return garbage;
}

function queryPart(op: ApiOperation, world: FuzzWorld): fc.Arbitrary<string> {
  const hints = fieldHints(world);
  const pairs = op.query.map((q) =>
    fc.option(
      fc.oneof(
        { arbitrary: schemaValue(q.schema, hints, q.name).map((v) => `${q.name}=${encodeURIComponent(String(v))}`), weight: 3 },
        { arbitrary: hostileString.filter((s) => s.length < 3_000).map((v) => `${q.name}=${percentEncode(v)}`), weight: 1 },
        { arbitrary: fc.constantFrom(`${q.name}=1&${q.name}=2`, `${q.name}[]=x`, `${q.name}[a]=1`, `${q.name}`, `${q.name}=`), weight: 1 },
      ),
      { nil: undefined, freq: 2 },
    ),
  );
  const unknown = fc.option(fc.tuple(hostileKey, hostileString.filter((s) => s.length < 200)).map(([k, v]) => `${percentEncode(k)}=${percentEncode(v)}`), { nil: undefined, freq: 4 });
  return fc.tuple(fc.tuple(...pairs), unknown).map(([qs, u]) => {
    const all = [...qs, u].filter((x): x is string => x !== undefined);
    return all.length ? `?${all.join('&')}` : '';
  });
}

interface BodyPart {
  contentType?: string;
  contentEncoding?: string;
  body?: string | Buffer;
}

/** Whether the route's JSON body is checked by the router before anything runs (not a webhook's, not a multi-type upload). */
const routerValidatesJson = (op: ApiOperation) => op.auth !== 'none' && op.body !== null && op.body.contentTypes.length === 1 && op.body.contentTypes[0] === 'application/json';

/** A body its route must refuse, whatever else the request holds. */
function refusedBody(op: ApiOperation, world: FuzzWorld): fc.Arbitrary<Part<BodyPart>> {
  const schema = op.body?.schema ?? {};
  const json = (body: string | Buffer, defect: string, contentType = 'application/json'): Part<BodyPart> => ({ value: { contentType, body }, defect });
  const plausible = schemaValue(schema, fieldHints(world)) as fc.Arbitrary<Record<string, unknown>>;
  const choices: Array<fc.Arbitrary<Part<BodyPart>>> = [
    badJsonText.map((t) => json(t, 'malformed JSON')),
    nonObjectJson.map((t) => json(t, 'a body that is no object')),
    wrongContentType.map((w) => json(w.body, `Content-Type ${w.type}`, w.type)),
    fc.tuple(plausible, hostileKey, fc.boolean()).map(([o, k, inKey]) => json(JSON.stringify(objectOf([...Object.entries(o ?? {}), inKey ? [`${k}\u0000`, 1] : [k || 'x', `${k}\u0000`]])), 'a NUL character')),
    fc.tuple(plausible, fc.constantFrom('gzip', 'deflate', 'br', 'x-unknown')).map(([o, enc]) => ({ value: { contentType: 'application/json', contentEncoding: enc, body: JSON.stringify(o) }, defect: `Content-Encoding ${enc} that does not decode` })),
  ];
  const required = schema.required ?? [];
  if (required.length) choices.push(fc.tuple(plausible, fc.constantFrom(...required)).map(([o, k]) => json(JSON.stringify(objectOf(Object.entries(o ?? {}).filter(([key]) => key !== k))), `no ${k}`)));
  if (schema.additionalProperties === false) {
    const known = new Set(Object.keys(schema.properties ?? {}));
    choices.push(
      fc.tuple(plausible, hostileKey.filter((k) => !known.has(k) && k !== ''), hostileValue).map(([o, k, v]) => json(JSON.stringify(objectOf([...Object.entries(o ?? {}), [k, v]])), `unknown field ${JSON.stringify(k)}`)),
    );
  }
  return fc.oneof(...choices);
}

/** A body the route may or may not accept: plausible, plausible with one field poisoned, or garbage. */
function anyBody(op: ApiOperation, world: FuzzWorld): fc.Arbitrary<Part<BodyPart>> {
  const noise = fc.oneof(
    fc.constant<BodyPart>({}),
    fc.tuple(fc.option(fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'text/csv'), { nil: undefined }), hostileString).map(([contentType, body]) => ({ contentType, body })),
    fc.uint8Array({ maxLength: 64 }).map((b) => ({ contentType: 'application/json', body: Buffer.concat([Buffer.from('{"a":"'), Buffer.from(b), Buffer.from('"}')]) })),
  );
  if (!op.body) return fc.oneof({ arbitrary: fc.constant<BodyPart>({}), weight: 4 }, { arbitrary: noise, weight: 1 }).map(ok);
  const type = op.body.contentTypes[0]!;
  const plausible = schemaValue(op.body.schema ?? {}, fieldHints(world)) as fc.Arbitrary<Record<string, unknown>>;
  const encode = (o: unknown): BodyPart => (type === 'application/json' ? { contentType: type, body: JSON.stringify(o) } : { contentType: type, body: formOrText(o) });
  const poisoned = fc.tuple(plausible, hostileValue, fc.nat()).map(([o, v, i]) => {
    if (!o || typeof o !== 'object') return v;
    const keys = Object.keys(o);
    return keys.length ? objectOf(Object.entries(o).map(([k, x], j) => [k, j === i % keys.length ? v : x])) : o;
  });
  const deepField = fc.tuple(plausible, nestingDepth).map(([o, depth]) => {
    const key = (o && typeof o === 'object' ? Object.keys(o)[0] : undefined) ?? 'x';
    return { contentType: 'application/json', body: JSON.stringify({ ...o, [key]: '\u0001NEST\u0001' }).replace('"\\u0001NEST\\u0001"', deepNesting(depth)) };
  });
  return fc
    .oneof(
      { arbitrary: plausible.map(encode), weight: 4 },
      { arbitrary: poisoned.map(encode), weight: 3 },
      { arbitrary: deepField, weight: 1 },
      { arbitrary: fc.tuple(plausible, fc.array(fc.tuple(hostileKey, hostileValue), { maxLength: 3 })).map(([o, extra]) => encode(objectOf([...Object.entries(o ?? {}), ...extra]))), weight: 1 },
      { arbitrary: noise, weight: 1 },
      { arbitrary: plausible.map((o) => ({ body: JSON.stringify(o) })), weight: 1 },
    )
    .map(ok);
}

/** A form body or CSV text from a plausible value (webhooks take forms, the contacts upload CSV). */
function formOrText(o: unknown): string {
  if (o && typeof o === 'object' && !Array.isArray(o)) return new URLSearchParams(Object.entries(o).map(([k, v]): [string, string] => [k, typeof v === 'string' ? v : JSON.stringify(v)])).toString();
  return String(o);
}

function idempotencyPart(op: ApiOperation): fc.Arbitrary<Part<string | undefined>> {
  const fine = fc.oneof(fc.constant(undefined), fc.constantFrom('fuzz-same-key', 'k'), fc.string({ unit: fc.constantFrom(...'abcdef0123456789-'), minLength: 8, maxLength: 64 }), headerNoise.filter((s) => s.length <= 255));
  if (!op.idempotent) return fc.option(fine, { nil: undefined, freq: 4 }).map((v) => ok(v ?? undefined));
  return fc.oneof({ arbitrary: fine.map(ok), weight: 4 }, { arbitrary: fc.integer({ min: 256, max: 4_000 }).map((n) => 'k'.repeat(n)).map(bad('an Idempotency-Key over 255 characters')), weight: 1 });
}

/**
 * Hostile requests for one operation: wrong or absent credentials, ids that are garbage, unknown or another
 * tenant's, bodies of the wrong type or shape or encoding, NUL and lone surrogates, huge strings and arrays, deep
 * nesting, prototype keys, bad query parameters and Idempotency-Keys, mixed with plausible parts so the deeper layers
 * are reached too. A request that could change something (any method but GET) always carries at least one defect
 * the service must refuse it for, so nothing it does may write; a GET may be fine, and answered.
 *
 * Routes without credentials (provider webhooks) are left to their signatures: the generator never signs.
 */
export function hostileRequests(op: ApiOperation, world: FuzzWorld): fc.Arbitrary<HostileRequest> {
  const params = op.pathParams.map((p) => paramPart(op, p, world));
  const valid = op.auth === 'user' ? world.apiKey : world.adminToken;
  const other = op.auth === 'user' ? world.adminToken : world.apiKey;
  const forced: Array<fc.Arbitrary<Forced>> = [];
  if (op.auth !== 'none') forced.push(badAuth(valid, other).map((auth) => ({ auth })));
  if (op.pathParams.length) {
    forced.push(fc.nat(op.pathParams.length - 1).chain((i) => paramPart(op, op.pathParams[i]!, world).filter((p) => p.defect !== null).map((p): Forced => ({ param: [i, p] }))));
  }
  if (routerValidatesJson(op)) forced.push(refusedBody(op, world).map((body) => ({ body })));
  if (op.idempotent) forced.push(fc.integer({ min: 256, max: 4_000 }).map((n) => ({ idempotency: bad('an Idempotency-Key over 255 characters')('k'.repeat(n)) })));
  const body = routerValidatesJson(op) ? fc.oneof({ arbitrary: anyBody(op, world), weight: 2 }, { arbitrary: refusedBody(op, world), weight: 1 }) : anyBody(op, world);
  return fc
    .record({
      auth: authPart(op, world),
      params: fc.tuple(...params),
      query: queryPart(op, world),
      body,
      idempotency: idempotencyPart(op),
      forced: forced.length ? fc.oneof(...forced) : fc.constant<Forced>({}),
    })
    .map((r) => {
      let { auth, body, idempotency } = r;
      const params = [...r.params];
      const defects = () => [auth, body, idempotency, ...params].map((p) => p.defect).filter((d): d is string => d !== null);
      if (op.method !== 'GET' && defects().length === 0) {
        // Nothing wrong with it by chance: make it wrong in one way this route must refuse.
        if (r.forced.auth) auth = r.forced.auth;
        if (r.forced.param) params[r.forced.param[0]] = r.forced.param[1];
        if (r.forced.body) body = r.forced.body;
        if (r.forced.idempotency) idempotency = r.forced.idempotency;
      }
      let i = 0;
      const path = op.path.replace(/\{[^}]+\}/g, () => params[i++]!.value) + r.query;
      const headers: Record<string, string> = {};
      if (auth.value !== undefined) headers.authorization = auth.value;
      if (body.value.contentType) headers['content-type'] = body.value.contentType;
      if (body.value.contentEncoding) headers['content-encoding'] = body.value.contentEncoding;
      if (idempotency.value !== undefined) headers['idempotency-key'] = idempotency.value;
      const found = defects();
      return { method: op.method, path, headers, body: body.value.body, defect: found.length ? found.join('; ') : null };
    });
}

interface Forced {
  auth?: Part<string | undefined>;
  param?: [number, Part<string>];
  body?: Part<BodyPart>;
  idempotency?: Part<string | undefined>;
}

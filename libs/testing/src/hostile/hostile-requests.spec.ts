import fc from 'fast-check';
import { apiOperations, type ApiOperation } from './api-operations';
import { hostileRequests, type FuzzWorld, type HostileRequest } from './hostile-requests';

/** A document as the services publish it (libs/service-kit api-router.ts): three routes of three kinds. */
const DOC = {
  openapi: '3.1.0',
  paths: {
    '/voice/agents/{agent_id}': {
      get: { security: [{ apiKey: [] }], parameters: [{ in: 'path', name: 'agent_id', required: true, schema: { type: 'string' } }] },
      patch: {
        security: [{ apiKey: [] }],
        parameters: [{ in: 'path', name: 'agent_id', required: true, schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Patch' } } } },
      },
    },
    '/admin/tenants': {
      post: {
        security: [{ adminToken: [] }],
        parameters: [{ in: 'header', name: 'idempotency-key', schema: { type: 'string' } }],
        requestBody: { content: { 'application/json': { schema: { type: 'object', properties: { name: { type: 'string', minLength: 1 } }, required: ['name'], additionalProperties: false } } } },
      },
    },
    '/twilio/incoming/{phone_id}': {
      post: { security: [], parameters: [{ in: 'path', name: 'phone_id', schema: { type: 'string' } }], requestBody: { content: { 'application/x-www-form-urlencoded': { schema: { type: 'object' } } } } },
    },
  },
  components: { schemas: { Patch: { type: 'object', properties: { name: { type: 'string' }, max_duration: { type: 'integer', minimum: 1, maximum: 14400 } }, additionalProperties: false } } },
};

const WORLD: FuzzWorld = {
  apiKey: 'cp_live_valid',
  adminToken: 'admin-token-0123456789',
  ids: { agent: { own: ['agt_mine'], foreign: ['agt_theirs'] } },
  numbers: { own: ['+14155550100'], foreign: ['+14155550199'] },
};

const ops = apiOperations(DOC);
const op = (label: string): ApiOperation => ops.find((o) => `${o.method} ${o.path}` === label)!;
const sample = (o: ApiOperation, seed = 7): HostileRequest[] => fc.sample(hostileRequests(o, WORLD), { numRuns: 1_000, seed });

describe('apiOperations', () => {
  it('reads every operation with its credentials, parameters, body and Idempotency-Key, references resolved', () => {
    expect(ops.map((o) => [o.method, o.path, o.auth, o.pathParams.map((p) => p.name), o.body?.contentTypes ?? null, o.idempotent])).toEqual([
      ['GET', '/voice/agents/{agent_id}', 'user', ['agent_id'], null, false],
      ['PATCH', '/voice/agents/{agent_id}', 'user', ['agent_id'], ['application/json'], false],
      ['POST', '/admin/tenants', 'admin', [], ['application/json'], true],
      ['POST', '/twilio/incoming/{phone_id}', 'none', ['phone_id'], ['application/x-www-form-urlencoded'], false],
    ]);
    expect(op('PATCH /voice/agents/{agent_id}').body?.schema).toEqual(DOC.components.schemas.Patch);
  });
});

describe('hostileRequests', () => {
  it('gives every request that could write a reason it must be refused, and the run every kind of reason', () => {
    const reqs = [...sample(op('PATCH /voice/agents/{agent_id}')), ...sample(op('POST /admin/tenants'))];
    expect(reqs.filter((r) => r.defect === null)).toEqual([]);
    const kinds = [/^bad credentials$/, /^another tenant's agent_id$/, /^unknown agent_id$/, /^hostile agent_id$/, /^malformed JSON$/, /^a body that is no object$/, /^Content-Type /, /^a NUL character$/, /^Content-Encoding /, /^no name$/, /^unknown field /, /^an Idempotency-Key over 255 characters$/];
    const named = reqs.flatMap((r) => r.defect!.split('; '));
    expect(kinds.filter((k) => !named.some((d) => k.test(d)))).toEqual([]);
  });

  it("names a defect exactly when it is there: credentials that are not the key, another tenant's id", () => {
    for (const r of sample(op('PATCH /voice/agents/{agent_id}'))) {
      const validKey = /^bearer cp_live_valid\s*$/i.test(r.headers.authorization ?? '');
      expect([r.headers.authorization, r.defect?.includes('bad credentials') ?? false]).toEqual([r.headers.authorization, !validKey]);
      expect([r.path, r.defect?.includes("another tenant's agent_id") ?? false]).toEqual([r.path, r.path.startsWith('/voice/agents/agt_theirs')]);
    }
  });

  it('lets some reads through whole (the right key, an id of the tenant), so the run reaches the use cases', () => {
    const fine = sample(op('GET /voice/agents/{agent_id}')).filter((r) => r.defect === null);
    expect(fine.length).toBeGreaterThan(100);
    expect(fine.every((r) => r.path.startsWith('/voice/agents/agt_mine') && /cp_live_valid/.test(r.headers.authorization!))).toBe(true);
  });

  it('sends the hostile inputs issue 19 names', () => {
    const reqs = ops.flatMap((o) => sample(o, 11));
    const some = (test: (r: HostileRequest) => boolean) => reqs.some(test);
    expect({
      nul: some((r) => String(r.body ?? '').includes('\\u0000')),
      loneSurrogate: some((r) => /\\ud[89ab][0-9a-f]{2}(?!\\ud[c-f])/i.test(String(r.body ?? ''))),
      hugeString: some((r) => String(r.body ?? '').length > 256 * 1024),
      hugeArray: some((r) => /(0,){20000}/.test(String(r.body ?? ''))),
      deepNesting: some((r) => String(r.body ?? '').includes('['.repeat(5_000))),
      prototypeKeys: some((r) => /"__proto__"|"constructor"/.test(String(r.body ?? ''))),
      badJson: some((r) => r.defect?.includes('malformed JSON') ?? false),
      wrongContentType: some((r) => /text\/plain|application\/xml/.test(r.headers['content-type'] ?? '')),
      noContentType: some((r) => r.body !== undefined && r.body !== '' && r.headers['content-type'] === undefined),
      badPathId: some((r) => /^\/voice\/agents\/%/.test(r.path)),
      badQuery: some((r) => r.path.includes('?')),
      noAuth: some((r) => r.headers.authorization === undefined && !r.path.startsWith('/twilio')),
      badIdempotencyKey: some((r) => (r.headers['idempotency-key']?.length ?? 0) > 255),
      formWebhook: some((r) => r.path.startsWith('/twilio/incoming/') && r.headers['content-type'] === 'application/x-www-form-urlencoded'),
    }).toEqual(Object.fromEntries(Object.keys({ nul: 1, loneSurrogate: 1, hugeString: 1, hugeArray: 1, deepNesting: 1, prototypeKeys: 1, badJson: 1, wrongContentType: 1, noContentType: 1, badPathId: 1, badQuery: 1, noAuth: 1, badIdempotencyKey: 1, formWebhook: 1 }).map((k) => [k, true])));
  });

  it('replays: the same seed gives the same requests', () => {
    expect(sample(op('POST /admin/tenants'), 3)).toEqual(sample(op('POST /admin/tenants'), 3));
  });
});

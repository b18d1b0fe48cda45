import { randomBytes } from 'node:crypto';
import { TOPICS } from '@callplane/contracts';
import { hashApiKey, SecretBox } from '@callplane/service-kit';
import {
  apiError,
  bootTestService,
  createTenantUser,
  detailFields,
  httpRequest,
  uniquePhoneNumber,
  uniqueSuffix,
  type HttpResponse,
  type TestService,
} from '@callplane/testing';
import { createProvisioningModule } from './app';

const PUBLIC_BASE_URL = 'https://voice.example.com';

function agentBody(name = `Acme support ${uniqueSuffix()}`) {
  return {
    name,
    system_prompt: 'You are a friendly support agent for Acme.',
    voice: {
      greeting: 'Hi, thanks for calling Acme. How can I help you today?',
      tts: { provider: 'cartesia', model: 'sonic-2', voice: 'maya' },
      stt: { provider: 'deepgram', model: 'nova-2', language: 'en' },
      max_duration: 600,
      recording: true,
      transcription: true,
    },
    after_hours: {
      timezone: 'Asia/Kolkata',
      open: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '18:00' }],
      message: "We're closed. Please call back during business hours.",
    },
    status_webhook_url: null as string | null,
  };
}

/** A copy of `body` with the value at a dotted path replaced (or removed when `value` is undefined). */
function withField(body: object, path: string, value: unknown): Record<string, unknown> {
  const copy = structuredClone(body) as unknown as Record<string, unknown>;
  const keys = path.split('.');
  let node = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) node = node[k] as Record<string, unknown>;
  if (value === undefined) delete node[keys[keys.length - 1]!];
  else node[keys[keys.length - 1]!] = value;
  return copy;
}

function expectError(res: HttpResponse, status: number, code: string) {
  expect({ status: res.status, code: apiError(res).code }).toEqual({ status, code });
}

describe('provisioning API over HTTP', () => {
  let svc: TestService;
  const secrets = new SecretBox(randomBytes(32));
  const url = (path: string) => `${svc.url}${path}`;
  const call = (method: string, path: string, opts: Parameters<typeof httpRequest>[2] = {}) => httpRequest(method, url(path), opts);
  const countAgents = (tenantId: string) => svc.prisma.agent.count({ where: { tenantId } });
  const countNumbers = (tenantId: string) => svc.prisma.phoneNumber.count({ where: { tenantId } });
  const newTenant = (label = 'Tenant') => createTenantUser(svc.url, svc.adminToken, label);

  const createAgent = async (key: string, body: unknown = agentBody()) => {
    const res = await call('POST', '/voice/agents', { token: key, json: body });
    expect(res.status).toBe(201);
    return res.body as { id: string; name: string } & Record<string, unknown>;
  };
  const addNumber = async (key: string, body: Record<string, unknown> = { number: uniquePhoneNumber() }) => {
    const res = await call('POST', '/voice/phone-numbers', { token: key, json: body });
    expect(res.status).toBe(201);
    return res.body as { id: string; number: string } & Record<string, unknown>;
  };

  beforeAll(async () => {
    svc = await bootTestService({
      name: 'provisioning',
      modules: ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets, publicBaseUrl: PUBLIC_BASE_URL })],
    });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  describe('operator auth', () => {
    test.each([
      ['no Authorization header', undefined],
      ['a wrong token', 'definitely-not-the-admin-token'],
    ])('POST /admin/tenants with %s → 401 and no tenant', async (_what, token) => {
      const name = `Nope ${uniqueSuffix()}`;
      const res = await call('POST', '/admin/tenants', { token, json: { name } });
      expectError(res, 401, 'unauthorized');
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(0);
    });

    test('a non-Bearer scheme carrying the right token is refused', async () => {
      const res = await call('POST', '/admin/tenants', { headers: { authorization: `Basic ${svc.adminToken}` }, json: { name: `Nope ${uniqueSuffix()}` } });
      expectError(res, 401, 'unauthorized');
    });

    test("a customer's API key does not open the operator API", async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', `/admin/tenants/${tenantId}/users`, { token: apiKey, json: { email: `x-${uniqueSuffix()}@example.com` } });
      expectError(res, 401, 'unauthorized');
      expect(await svc.prisma.user.count({ where: { tenantId } })).toBe(1);
    });

    test('creates a tenant and a user whose key is shown once and stored only as a hash', async () => {
      const name = `Acme ${uniqueSuffix()}`;
      const tenant = await call('POST', '/admin/tenants', { token: svc.adminToken, json: { name: `  ${name} ` } });
      expect(tenant.status).toBe(201);
      expect(tenant.body).toEqual({ id: expect.stringMatching(/^ten_[a-z0-9]{20}$/), name });

      const email = `Ops-${uniqueSuffix()}@Example.com`;
      const user = await call('POST', `/admin/tenants/${tenant.body.id}/users`, { token: svc.adminToken, json: { email } });
      expect(user.status).toBe(201);
      expect(user.body).toEqual({ id: expect.stringMatching(/^usr_/), email: email.toLowerCase(), api_key: expect.stringMatching(/^cp_live_/) });
      const stored = await svc.prisma.user.findUniqueOrThrow({ where: { id: String(user.body.id) } });
      expect(stored.apiKeyHash).toBe(hashApiKey(String(user.body.api_key)));
      expect(JSON.stringify(stored)).not.toContain(String(user.body.api_key));

      // The new key works at once.
      expect((await call('GET', '/voice/agents', { token: String(user.body.api_key) })).status).toBe(200);
      // The same email twice in one tenant is a conflict.
      expectError(await call('POST', `/admin/tenants/${tenant.body.id}/users`, { token: svc.adminToken, json: { email } }), 409, 'conflict');
      expect(await svc.prisma.user.count({ where: { tenantId: String(tenant.body.id) } })).toBe(1);
    });

    test('a user for a tenant that does not exist → 404 not_found', async () => {
      const res = await call('POST', '/admin/tenants/ten_doesnotexist0000000/users', { token: svc.adminToken, json: { email: `x-${uniqueSuffix()}@example.com` } });
      expectError(res, 404, 'not_found');
    });

    test('a bad tenant body → 400 naming the field', async () => {
      const res = await call('POST', '/admin/tenants', { token: svc.adminToken, json: { name: '   ' } });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['name']);
    });
  });

  describe('customer auth', () => {
    test.each([
      ['GET', '/voice/agents'],
      ['POST', '/voice/agents'],
      ['GET', '/voice/phone-numbers'],
      ['POST', '/voice/phone-numbers'],
      ['DELETE', '/voice/agents/agt_x'],
      ['PUT', '/voice/agents/agt_x/phone'],
    ])('%s %s without a key or with a wrong key → 401 in the error shape', async (method, path) => {
      const json = method === 'GET' || method === 'DELETE' ? undefined : {};
      for (const token of [undefined, 'cp_live_wrong', svc.adminToken]) {
        const res = await call(method, path, { token, json });
        expectError(res, 401, 'unauthorized');
        expect(apiError(res).message).toMatch(/Authorization: Bearer/);
      }
    });

    test('an unauthenticated create writes nothing even with a valid body', async () => {
      const name = `Ghost ${uniqueSuffix()}`;
      expectError(await call('POST', '/voice/agents', { token: 'cp_live_wrong', json: agentBody(name) }), 401, 'unauthorized');
      expect(await svc.prisma.agent.count({ where: { name } })).toBe(0);
    });
  });

  describe('agents', () => {
    test('create returns the agent as sent, with an agt_ id; GET returns the same', async () => {
      const { apiKey } = await newTenant();
      const body = agentBody();
      const created = await createAgent(apiKey, body);
      expect(created).toEqual({
        ...body,
        id: expect.stringMatching(/^agt_[a-z0-9]{20}$/),
        phone_numbers: [],
        created_at: expect.stringMatching(/Z$/),
        updated_at: expect.stringMatching(/Z$/),
      });
      const got = await call('GET', `/voice/agents/${created.id}`, { token: apiKey });
      expect(got.status).toBe(200);
      expect(got.body).toEqual(created);
    });

    test('voice defaults apply and after_hours is optional', async () => {
      const { apiKey } = await newTenant();
      const body = withField(withField(withField(withField(agentBody(), 'voice.max_duration', undefined), 'voice.recording', undefined), 'voice.transcription', undefined), 'after_hours', undefined);
      const created = await createAgent(apiKey, body);
      expect(created.voice).toMatchObject({ max_duration: 600, recording: false, transcription: true });
      expect(created.after_hours).toBeNull();
      expect(created.status_webhook_url).toBeNull();
    });

    test.each([
      ['voice.max_duration', 0],
      ['voice.max_duration', 14401],
      ['voice.max_duration', 60.5],
      ['voice.tts.provider', 'acme-tts'],
      ['voice.stt.provider', 'whisper-9000'],
      ['voice.stt.language', 'English'],
      ['after_hours.timezone', 'Mars/Olympus'],
      ['after_hours.open.0.start', '9:00'],
      ['after_hours.open.0.start', '24:00'],
      ['after_hours.open.0.end', '18:60'],
      ['after_hours.open.0.end', '09:00'],
      ['after_hours.open.0.days', ['mon', 'mon']],
      ['after_hours.open.0.days', ['monday']],
      ['after_hours.message', ''],
      ['status_webhook_url', 'ftp://hooks.example.com/x'],
      ['name', ''],
      ['system_prompt', undefined],
      ['voice.greeting', undefined],
      ['voice.greeting', '   '],
    ])('%s = %j → 400 validation_failed naming it, and nothing written', async (field, value) => {
      const { apiKey, tenantId } = await newTenant();
      const before = await countAgents(tenantId);
      const res = await call('POST', '/voice/agents', { token: apiKey, json: withField(agentBody(), field, value) });
      expectError(res, 400, 'validation_failed');
      // The field reported is the field that is wrong (array items by index; days items may be deeper).
      expect(detailFields(res).some((f) => f === field || f.startsWith(`${field}.`))).toBe(true);
      expect(apiError(res).message).toContain(field.split('.')[0]);
      expect(await countAgents(tenantId)).toBe(before);
    });

    test('a missing required field is reported as "is required"', async () => {
      const { apiKey } = await newTenant();
      const res = await call('POST', '/voice/agents', { token: apiKey, json: withField(agentBody(), 'voice.greeting', undefined) });
      expect(apiError(res).details).toEqual([{ field: 'voice.greeting', message: 'is required' }]);
    });

    test.each([
      ['', 'colour'],
      ['voice.', 'speed'],
      ['voice.tts.', 'pitch'],
      ['after_hours.', 'holidays'],
    ])('an unknown field %s%s → 400 naming it, and nothing written', async (prefix, unknown) => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/agents', { token: apiKey, json: withField(agentBody(), `${prefix}${unknown}`, 'x') });
      expectError(res, 400, 'validation_failed');
      const details = apiError(res).details ?? [];
      expect(details.some((d) => d.field === `${prefix}${unknown}` || d.message.includes(unknown))).toBe(true);
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('several bad fields are all reported in one response', async () => {
      const { apiKey, tenantId } = await newTenant();
      let body = withField(agentBody(), 'voice.max_duration', 0);
      body = withField(body, 'after_hours.timezone', 'Mars/Olympus');
      body = withField(body, 'voice.tts.provider', 'acme-tts');
      const res = await call('POST', '/voice/agents', { token: apiKey, json: body });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res).sort()).toEqual(['after_hours.timezone', 'voice.max_duration', 'voice.tts.provider']);
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('a body that is not JSON → 400 invalid_json; another media type → 415', async () => {
      const { apiKey, tenantId } = await newTenant();
      const broken = await call('POST', '/voice/agents', { token: apiKey, headers: { 'content-type': 'application/json' }, rawBody: '{"name": "x",' });
      expectError(broken, 400, 'invalid_json');
      const text = await call('POST', '/voice/agents', { token: apiKey, headers: { 'content-type': 'text/plain' }, rawBody: JSON.stringify(agentBody()) });
      expectError(text, 415, 'unsupported_media_type');
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('PATCH changes only the fields sent', async () => {
      const { apiKey } = await newTenant();
      const created = await createAgent(apiKey);
      const patched = await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: { name: 'Renamed', after_hours: null, status_webhook_url: 'https://hooks.example.com/calls' } });
      expect(patched.status).toBe(200);
      expect(patched.body).toEqual({
        ...created,
        name: 'Renamed',
        after_hours: null,
        status_webhook_url: 'https://hooks.example.com/calls',
        updated_at: expect.any(String),
      });
      expect(Date.parse(String(patched.body.updated_at))).toBeGreaterThanOrEqual(Date.parse(String(created.updated_at)));
      expect((await call('GET', `/voice/agents/${created.id}`, { token: apiKey })).body).toEqual(patched.body);
    });

    test('PATCH with a bad or empty body → 400 and the agent is unchanged', async () => {
      const { apiKey } = await newTenant();
      const created = await createAgent(apiKey);
      const bad = await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: { name: 'Renamed', voice: { ...agentBody().voice, max_duration: 0 } } });
      expectError(bad, 400, 'validation_failed');
      expect(detailFields(bad)).toEqual(['voice.max_duration']);
      expectError(await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: {} }), 400, 'validation_failed');
      expectError(await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: { id: 'agt_other' } }), 400, 'validation_failed');
      expect((await call('GET', `/voice/agents/${created.id}`, { token: apiKey })).body).toEqual(created);
    });

    test('list pages with limit and next_cursor, newest first, without repeats', async () => {
      const { apiKey } = await newTenant();
      const a = await createAgent(apiKey);
      const b = await createAgent(apiKey);
      const c = await createAgent(apiKey);

      const first = await call('GET', '/voice/agents?limit=2', { token: apiKey });
      expect(first.status).toBe(200);
      const firstIds = (first.body.data as Array<{ id: string }>).map((x) => x.id);
      expect(firstIds).toHaveLength(2);
      expect(first.body.next_cursor).toEqual(expect.any(String));

      const second = await call('GET', `/voice/agents?limit=2&cursor=${encodeURIComponent(String(first.body.next_cursor))}`, { token: apiKey });
      expect(second.status).toBe(200);
      const secondIds = (second.body.data as Array<{ id: string }>).map((x) => x.id);
      expect(secondIds).toHaveLength(1);
      expect(second.body.next_cursor).toBeNull();

      expect([...firstIds, ...secondIds]).toEqual([c.id, b.id, a.id]);
      const all = await call('GET', '/voice/agents', { token: apiKey });
      expect((all.body.data as Array<{ id: string }>).map((x) => x.id)).toEqual([c.id, b.id, a.id]);
      expect(all.body.next_cursor).toBeNull();
    });

    test.each([
      ['limit=0', 'query.limit'],
      ['limit=201', 'query.limit'],
      ['limit=ten', 'query.limit'],
      ['cursor=bm90LWEtY3Vyc29y', 'query.cursor'],
    ])('list with %s → 400 naming %s', async (qs, field) => {
      const { apiKey } = await newTenant();
      const res = await call('GET', `/voice/agents?${qs}`, { token: apiKey });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res)).toContain(field);
    });

    test('DELETE removes the agent and frees its numbers', async () => {
      const { apiKey, tenantId } = await newTenant();
      const agent = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      expect((await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } })).status).toBe(200);

      const del = await call('DELETE', `/voice/agents/${agent.id}`, { token: apiKey });
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expectError(await call('GET', `/voice/agents/${agent.id}`, { token: apiKey }), 404, 'not_found');
      expectError(await call('DELETE', `/voice/agents/${agent.id}`, { token: apiKey }), 404, 'not_found');
      expect(await countAgents(tenantId)).toBe(0);

      const freed = await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey });
      expect(freed.body.agent_id).toBeNull();
      const events = await svc.prisma.outboxEvent.findMany({ where: { key: phone.id }, orderBy: { createdAt: 'asc' } });
      const last = events[events.length - 1]!.envelope as { type: string; data: { agent_id: string | null } };
      expect(last).toMatchObject({ type: 'number.unassigned', data: { agent_id: null } });
    });
  });

  describe('phone numbers', () => {
    test('adds a bring-your-own number in E.164 with its webhook URL; the signing secret is never returned', async () => {
      const { apiKey, tenantId } = await newTenant();
      const e164 = uniquePhoneNumber();
      const pretty = `+1 (${e164.slice(2, 5)}) ${e164.slice(5, 8)}-${e164.slice(8)}`;
      const secret = `twilio-auth-token-${randomBytes(8).toString('hex')}`;
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: pretty, signing_secret: secret } });
      expect(res.status).toBe(201);
      expect(res.body).toEqual({
        id: expect.stringMatching(/^pn_[a-z0-9]{20}$/),
        number: e164,
        provider: 'sip',
        byok: false,
        agent_id: null,
        greeting: null,
        enabled: true,
        webhook_url: `${PUBLIC_BASE_URL}/twilio/incoming/${res.body.id}`,
        signed_webhooks: true,
        credential_hint: `…${secret.slice(-4)}`,
        inbound: { configured: false, manual_steps: expect.stringContaining(`${PUBLIC_BASE_URL}/twilio/incoming/${res.body.id}`) },
        outbound: { enabled: false },
        locked: null,
        created_at: expect.stringMatching(/Z$/),
      });
      expect(res.text).not.toContain(secret);

      const one = await call('GET', `/voice/phone-numbers/${res.body.id}`, { token: apiKey });
      expect(one.body).toEqual(res.body);
      const list = await call('GET', '/voice/phone-numbers', { token: apiKey });
      expect(list.body).toEqual({ data: [res.body], next_cursor: null });
      for (const r of [one, list]) expect(r.text).not.toContain(secret);

      const stored = await svc.prisma.phoneNumber.findFirstOrThrow({ where: { tenantId } });
      expect(stored.signingSecretEnc).not.toContain(secret);
      expect(secrets.open(stored.signingSecretEnc!)).toBe(secret);
    });

    test('without a signing secret webhooks are unsigned and there is no hint', async () => {
      const { apiKey } = await newTenant();
      const e164 = uniquePhoneNumber();
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: e164.slice(1) } });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ number: e164, signed_webhooks: false, credential_hint: null });
    });

    test.each([['not-a-number'], ['+1555'], ['+999123456789'], ['12']])('an invalid number %j → 400 naming `number`, nothing written', async (number) => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number } });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['number']);
      expect(await countNumbers(tenantId)).toBe(0);
    });

    test('a signing secret shorter than 8 characters → 400 naming it', async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: uniquePhoneNumber(), signing_secret: 'short' } });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['signing_secret']);
      expect(await countNumbers(tenantId)).toBe(0);
    });

    test('a number already on Callplane → 409 number_already_exists, in any tenant and any format', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const first = await addNumber(a.apiKey);
      const eventsBefore = await svc.prisma.outboxEvent.count({ where: { topic: TOPICS.numbersChanges, envelope: { path: ['data', 'number'], equals: first.number } } });

      const again = await call('POST', '/voice/phone-numbers', { token: a.apiKey, json: { number: first.number } });
      expectError(again, 409, 'number_already_exists');
      const elsewhere = await call('POST', '/voice/phone-numbers', { token: b.apiKey, json: { number: first.number.slice(1) } });
      expectError(elsewhere, 409, 'number_already_exists');

      expect(await svc.prisma.phoneNumber.count({ where: { number: first.number } })).toBe(1);
      expect(await countNumbers(b.tenantId)).toBe(0);
      expect(await svc.prisma.outboxEvent.count({ where: { topic: TOPICS.numbersChanges, envelope: { path: ['data', 'number'], equals: first.number } } })).toBe(eventsBefore);
    });

    test('list pages with limit and next_cursor', async () => {
      const { apiKey } = await newTenant();
      const n1 = await addNumber(apiKey);
      const n2 = await addNumber(apiKey);
      const n3 = await addNumber(apiKey);
      const p1 = await call('GET', '/voice/phone-numbers?limit=2', { token: apiKey });
      const p2 = await call('GET', `/voice/phone-numbers?limit=2&cursor=${String(p1.body.next_cursor)}`, { token: apiKey });
      expect([...(p1.body.data as Array<{ id: string }>), ...(p2.body.data as Array<{ id: string }>)].map((x) => x.id)).toEqual([n3.id, n2.id, n1.id]);
      expect(p2.body.next_cursor).toBeNull();
    });

    test('DELETE releases the number: 204, then 404; the number can be added again', async () => {
      const { apiKey, tenantId } = await newTenant();
      const phone = await addNumber(apiKey);
      const del = await call('DELETE', `/voice/phone-numbers/${phone.id}`, { token: apiKey });
      expect(del.status).toBe(204);
      expectError(await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey }), 404, 'not_found');
      expectError(await call('DELETE', `/voice/phone-numbers/${phone.id}`, { token: apiKey }), 404, 'not_found');
      expect(await countNumbers(tenantId)).toBe(0);
      const readded = await addNumber(apiKey, { number: phone.number });
      expect(readded.id).not.toBe(phone.id);
    });
  });

  describe('assignment (deploy to phone)', () => {
    test('assigns a number with a greeting, shows it on the agent, and unassigns it', async () => {
      const { apiKey } = await newTenant();
      const agent = await createAgent(apiKey);
      const phone = await addNumber(apiKey);

      const put = await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, greeting: 'Namaste!', enabled: false } });
      expect(put.status).toBe(200);
      expect(put.body).toMatchObject({ id: phone.id, agent_id: agent.id, greeting: 'Namaste!', enabled: false });
      expect((await call('GET', `/voice/agents/${agent.id}`, { token: apiKey })).body.phone_numbers).toEqual([phone.id]);

      // Assigning again to the same agent updates it.
      const again = await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } });
      expect(again.status).toBe(200);
      expect(again.body).toMatchObject({ agent_id: agent.id, greeting: 'Namaste!', enabled: true });

      const del = await call('DELETE', `/voice/agents/${agent.id}/phone/${phone.id}`, { token: apiKey });
      expect(del.status).toBe(204);
      expect((await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey })).body).toMatchObject({ agent_id: null, greeting: null });
      expect((await call('GET', `/voice/agents/${agent.id}`, { token: apiKey })).body.phone_numbers).toEqual([]);
      expectError(await call('DELETE', `/voice/agents/${agent.id}/phone/${phone.id}`, { token: apiKey }), 404, 'not_found');
    });

    test('a number serves one agent: assigning it to agent B while A has it → 409, A keeps it', async () => {
      const { apiKey } = await newTenant();
      const a = await createAgent(apiKey);
      const b = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      expect((await call('PUT', `/voice/agents/${a.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } })).status).toBe(200);
      const eventsBefore = await svc.prisma.outboxEvent.count({ where: { key: phone.id } });

      const res = await call('PUT', `/voice/agents/${b.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true, greeting: 'Hijack' } });
      expectError(res, 409, 'number_assigned_elsewhere');
      expect((await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey })).body).toMatchObject({ agent_id: a.id, greeting: null });
      expect(await svc.prisma.outboxEvent.count({ where: { key: phone.id } })).toBe(eventsBefore);
      // Unassigning through the wrong agent is not found, and changes nothing.
      expectError(await call('DELETE', `/voice/agents/${b.id}/phone/${phone.id}`, { token: apiKey }), 404, 'not_found');
      expect((await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey })).body.agent_id).toBe(a.id);
    });

    test('concurrent assignments of one number to two agents: exactly one wins', async () => {
      const { apiKey } = await newTenant();
      const a = await createAgent(apiKey);
      const b = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      const results = await Promise.all(
        [a, b, a, b].map((agent) => call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } })),
      );
      const stored = await svc.prisma.phoneNumber.findUniqueOrThrow({ where: { id: phone.id } });
      for (const r of results) {
        if (r.status === 200) expect(r.body.agent_id).toBe(stored.agentId);
        else expectError(r, 409, 'number_assigned_elsewhere');
      }
      expect(results.some((r) => r.status === 200)).toBe(true);
    });

    test('assigning a number of another tenant, or one that does not exist → 404, nothing changes', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const agentB = await createAgent(b.apiKey);
      const phoneA = await addNumber(a.apiKey);
      const before = await svc.prisma.phoneNumber.findUniqueOrThrow({ where: { id: phoneA.id } });

      expectError(await call('PUT', `/voice/agents/${agentB.id}/phone`, { token: b.apiKey, json: { phone_id: phoneA.id, enabled: true } }), 404, 'not_found');
      expectError(await call('PUT', `/voice/agents/${agentB.id}/phone`, { token: b.apiKey, json: { phone_id: 'pn_doesnotexist0000000', enabled: true } }), 404, 'not_found');
      expect(await svc.prisma.phoneNumber.findUniqueOrThrow({ where: { id: phoneA.id } })).toEqual(before);
      expect(await svc.prisma.outboxEvent.count({ where: { key: phoneA.id } })).toBe(1);
    });

    test('the assignment body is validated', async () => {
      const { apiKey } = await newTenant();
      const agent = await createAgent(apiKey);
      const res = await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: 'pn_x' } });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['enabled']);
    });
  });

  describe('numbers.changes outbox', () => {
    test('add, assign, unassign and delete each leave one event, in order, keyed by the phone id', async () => {
      const { apiKey, tenantId } = await newTenant();
      const agent = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } });
      await call('DELETE', `/voice/agents/${agent.id}/phone/${phone.id}`, { token: apiKey });
      await call('DELETE', `/voice/phone-numbers/${phone.id}`, { token: apiKey });

      const rows = await svc.prisma.outboxEvent.findMany({ where: { key: phone.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      expect(rows.map((r) => r.topic)).toEqual(Array(4).fill(TOPICS.numbersChanges));
      const envelopes = rows.map((r) => r.envelope as { id: string; type: string; tenant_id: string; key: string; data: Record<string, unknown> });
      expect(envelopes.map((e) => e.type)).toEqual(['number.imported', 'number.assigned', 'number.unassigned', 'number.released']);
      for (const [i, e] of envelopes.entries()) {
        expect(e).toMatchObject({ id: rows[i]!.id, tenant_id: tenantId, key: phone.id, data: { phone_id: phone.id, number: phone.number, provider: 'sip' } });
      }
      expect(envelopes.map((e) => e.data.agent_id)).toEqual([null, agent.id, null, null]);
    });
  });

  describe('cross-tenant isolation', () => {
    test("tenant B gets 404 not_found on every endpoint given A's ids, and A's resources are unchanged", async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const agentA = await createAgent(a.apiKey);
      const phoneA = await addNumber(a.apiKey);
      await call('PUT', `/voice/agents/${agentA.id}/phone`, { token: a.apiKey, json: { phone_id: phoneA.id, enabled: true } });
      const agentB = await createAgent(b.apiKey);
      const phoneB = await addNumber(b.apiKey);

      const agentBefore = (await call('GET', `/voice/agents/${agentA.id}`, { token: a.apiKey })).body;
      const phoneBefore = (await call('GET', `/voice/phone-numbers/${phoneA.id}`, { token: a.apiKey })).body;
      const eventsBefore = await svc.prisma.outboxEvent.count({ where: { key: phoneA.id } });

      const attempts: Array<[string, string, unknown]> = [
        ['GET', `/voice/agents/${agentA.id}`, undefined],
        ['PATCH', `/voice/agents/${agentA.id}`, { name: 'Taken over' }],
        ['DELETE', `/voice/agents/${agentA.id}`, undefined],
        ['PUT', `/voice/agents/${agentA.id}/phone`, { phone_id: phoneA.id, enabled: false }],
        ['PUT', `/voice/agents/${agentA.id}/phone`, { phone_id: phoneB.id, enabled: true }],
        ['PUT', `/voice/agents/${agentB.id}/phone`, { phone_id: phoneA.id, enabled: true }],
        ['DELETE', `/voice/agents/${agentA.id}/phone/${phoneA.id}`, undefined],
        ['GET', `/voice/phone-numbers/${phoneA.id}`, undefined],
        ['DELETE', `/voice/phone-numbers/${phoneA.id}`, undefined],
      ];
      for (const [method, path, json] of attempts) {
        const res = await call(method, path, { token: b.apiKey, json });
        expect({ method, path, status: res.status, code: apiError(res).code }).toEqual({ method, path, status: 404, code: 'not_found' });
      }

      // Existence is not leaked: A's id answers exactly like an id that never existed.
      const foreign = await call('GET', `/voice/agents/${agentA.id}`, { token: b.apiKey });
      const missing = await call('GET', '/voice/agents/agt_doesnotexist0000000', { token: b.apiKey });
      expect(foreign.body).toEqual(missing.body);

      const listAgents = await call('GET', '/voice/agents', { token: b.apiKey });
      expect((listAgents.body.data as Array<{ id: string }>).map((x) => x.id)).toEqual([agentB.id]);
      const listNumbers = await call('GET', '/voice/phone-numbers', { token: b.apiKey });
      expect((listNumbers.body.data as Array<{ id: string }>).map((x) => x.id)).toEqual([phoneB.id]);

      expect((await call('GET', `/voice/agents/${agentA.id}`, { token: a.apiKey })).body).toEqual(agentBefore);
      expect((await call('GET', `/voice/phone-numbers/${phoneA.id}`, { token: a.apiKey })).body).toEqual(phoneBefore);
      expect((await call('GET', `/voice/phone-numbers/${phoneB.id}`, { token: b.apiKey })).body.agent_id).toBeNull();
      expect(await svc.prisma.outboxEvent.count({ where: { key: phoneA.id } })).toBe(eventsBefore);
    });
  });

  describe('Idempotency-Key', () => {
    test('the same key and body returns the first response and creates one agent', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const body = agentBody();
      const first = await call('POST', '/voice/agents', { token: apiKey, json: body, headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      const second = await call('POST', '/voice/agents', { token: apiKey, json: body, headers: { 'idempotency-key': key } });
      expect(second.status).toBe(201);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(second.body).toEqual(first.body);
      expect(await countAgents(tenantId)).toBe(1);
    });

    test('the same body with its keys in another order is the same request', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const body = agentBody();
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const first = await call('POST', '/voice/agents', { token: apiKey, json: body, headers: { 'idempotency-key': key } });
      const second = await call('POST', '/voice/agents', { token: apiKey, json: reordered, headers: { 'idempotency-key': key } });
      expect(second.body.id).toBe(first.body.id);
      expect(await countAgents(tenantId)).toBe(1);
    });

    test('the same key with a different body, or on another endpoint → 409 idempotency_conflict, nothing created', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const first = await call('POST', '/voice/agents', { token: apiKey, json: agentBody(), headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      const changed = await call('POST', '/voice/agents', { token: apiKey, json: agentBody(), headers: { 'idempotency-key': key } });
      expectError(changed, 409, 'idempotency_conflict');
      const otherPath = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: uniquePhoneNumber() }, headers: { 'idempotency-key': key } });
      expectError(otherPath, 409, 'idempotency_conflict');
      expect(await countAgents(tenantId)).toBe(1);
      expect(await countNumbers(tenantId)).toBe(0);
    });

    test('keys are per user: two users sending the same key and body each create their own', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const key = `idem-${uniqueSuffix()}`;
      const body = agentBody();
      const ra = await call('POST', '/voice/agents', { token: a.apiKey, json: body, headers: { 'idempotency-key': key } });
      const rb = await call('POST', '/voice/agents', { token: b.apiKey, json: body, headers: { 'idempotency-key': key } });
      expect([ra.status, rb.status]).toEqual([201, 201]);
      expect(rb.headers.get('idempotent-replayed')).toBeNull();
      expect(ra.body.id).not.toBe(rb.body.id);
      expect(await countAgents(a.tenantId)).toBe(1);
      expect(await countAgents(b.tenantId)).toBe(1);
    });

    test('a request rejected with 400 does not use up the key: the corrected retry succeeds', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const good = agentBody();
      const bad = withField(good, 'voice.max_duration', 0);
      expectError(await call('POST', '/voice/agents', { token: apiKey, json: bad, headers: { 'idempotency-key': key } }), 400, 'validation_failed');
      const fixed = await call('POST', '/voice/agents', { token: apiKey, json: good, headers: { 'idempotency-key': key } });
      expect(fixed.status).toBe(201);
      const replay = await call('POST', '/voice/agents', { token: apiKey, json: good, headers: { 'idempotency-key': key } });
      expect(replay.body.id).toBe(fixed.body.id);
      expect(await countAgents(tenantId)).toBe(1);
    });

    test('a request refused by the use case (409) does not use up the key either', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const taken = await addNumber(a.apiKey);
      const key = `idem-${uniqueSuffix()}`;
      expectError(await call('POST', '/voice/phone-numbers', { token: b.apiKey, json: { number: taken.number }, headers: { 'idempotency-key': key } }), 409, 'number_already_exists');
      const fresh = await call('POST', '/voice/phone-numbers', { token: b.apiKey, json: { number: uniquePhoneNumber() }, headers: { 'idempotency-key': key } });
      expect(fresh.status).toBe(201);
    });

    test('adding a number twice with one key writes one row and one number.imported event', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const body = { number: uniquePhoneNumber(), signing_secret: 'a-signing-secret' };
      const first = await call('POST', '/voice/phone-numbers', { token: apiKey, json: body, headers: { 'idempotency-key': key } });
      const second = await call('POST', '/voice/phone-numbers', { token: apiKey, json: body, headers: { 'idempotency-key': key } });
      expect([first.status, second.status]).toEqual([201, 201]);
      expect(second.body).toEqual(first.body);
      expect(second.text).not.toContain('a-signing-secret');
      expect(await countNumbers(tenantId)).toBe(1);
      expect(await svc.prisma.outboxEvent.count({ where: { key: String(first.body.id) } })).toBe(1);
    });

    test('concurrent requests with one key create exactly one agent', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const body = agentBody();
      const results = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/voice/agents', { token: apiKey, json: body, headers: { 'idempotency-key': key } })));
      expect(await countAgents(tenantId)).toBe(1);
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      for (const r of results.filter((x) => x.status !== 201)) expectError(r, 409, 'idempotency_in_progress');
    });

    test('an Idempotency-Key over 255 characters → 400 naming the header', async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/agents', { token: apiKey, json: agentBody(), headers: { 'idempotency-key': 'k'.repeat(256) } });
      expectError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['Idempotency-Key']);
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('operator POSTs honour the key too', async () => {
      const key = `idem-${uniqueSuffix()}`;
      const name = `Idem tenant ${uniqueSuffix()}`;
      const first = await call('POST', '/admin/tenants', { token: svc.adminToken, json: { name }, headers: { 'idempotency-key': key } });
      const second = await call('POST', '/admin/tenants', { token: svc.adminToken, json: { name }, headers: { 'idempotency-key': key } });
      expect(second.body).toEqual(first.body);
      expect(await svc.prisma.tenant.count({ where: { name } })).toBe(1);
    });
  });

  test('the OpenAPI document lists every provisioning route with its security scheme', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { security: unknown[] }>>;
    const expected: Array<[string, string, string]> = [
      ['/admin/tenants', 'post', 'adminToken'],
      ['/admin/tenants/{tenant_id}/users', 'post', 'adminToken'],
      ['/voice/agents', 'post', 'apiKey'],
      ['/voice/agents', 'get', 'apiKey'],
      ['/voice/agents/{agent_id}', 'get', 'apiKey'],
      ['/voice/agents/{agent_id}', 'patch', 'apiKey'],
      ['/voice/agents/{agent_id}', 'delete', 'apiKey'],
      ['/voice/agents/{agent_id}/phone', 'put', 'apiKey'],
      ['/voice/agents/{agent_id}/phone/{phone_id}', 'delete', 'apiKey'],
      ['/voice/phone-numbers', 'post', 'apiKey'],
      ['/voice/phone-numbers', 'get', 'apiKey'],
      ['/voice/phone-numbers/{phone_id}', 'get', 'apiKey'],
      ['/voice/phone-numbers/{phone_id}', 'delete', 'apiKey'],
    ];
    for (const [path, method, scheme] of expected) expect({ path, method, security: paths[path]?.[method]?.security }).toEqual({ path, method, security: [{ [scheme]: [] }] });
  });
});

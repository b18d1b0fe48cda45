import { hashApiKey } from '@callplane/service-kit';
import { agentRequestBody, apiError, detailFields, expectApiError, uniqueSuffix, withField } from '@callplane/testing';
import { useProvisioningService } from './provisioning.test-harness';

/** The provisioning module over HTTP: operator and customer auth, agents and their validation, the OpenAPI document. */
describe('provisioning API over HTTP: auth and agents', () => {
  const { service, call, newTenant, createAgent, addNumber, countAgents } = useProvisioningService();

  describe('operator auth', () => {
    test.each([
      ['no Authorization header', undefined],
      ['a wrong token', 'definitely-not-the-admin-token'],
    ])('POST /admin/tenants with %s → 401 and no tenant', async (_what, token) => {
      const name = `Nope ${uniqueSuffix()}`;
      const res = await call('POST', '/admin/tenants', { token, json: { name } });
      expectApiError(res, 401, 'unauthorized');
      expect(await service().prisma.tenant.count({ where: { name } })).toBe(0);
    });

    test('a non-Bearer scheme carrying the right token is refused', async () => {
      const res = await call('POST', '/admin/tenants', { headers: { authorization: `Basic ${service().adminToken}` }, json: { name: `Nope ${uniqueSuffix()}` } });
      expectApiError(res, 401, 'unauthorized');
    });

    test("a customer's API key does not open the operator API", async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', `/admin/tenants/${tenantId}/users`, { token: apiKey, json: { email: `x-${uniqueSuffix()}@example.com` } });
      expectApiError(res, 401, 'unauthorized');
      expect(await service().prisma.user.count({ where: { tenantId } })).toBe(1);
    });

    test('creates a tenant and a user whose key is shown once and stored only as a hash', async () => {
      const name = `Acme ${uniqueSuffix()}`;
      const tenant = await call('POST', '/admin/tenants', { token: service().adminToken, json: { name: `  ${name} ` } });
      expect(tenant.status).toBe(201);
      expect(tenant.body).toEqual({ id: expect.stringMatching(/^ten_[a-z0-9]{20}$/), name });

      const email = `Ops-${uniqueSuffix()}@Example.com`;
      const user = await call('POST', `/admin/tenants/${tenant.body.id}/users`, { token: service().adminToken, json: { email } });
      expect(user.status).toBe(201);
      expect(user.body).toEqual({ id: expect.stringMatching(/^usr_/), email: email.toLowerCase(), api_key: expect.stringMatching(/^cp_live_/) });
      const stored = await service().prisma.user.findUniqueOrThrow({ where: { id: String(user.body.id) } });
      expect(stored.apiKeyHash).toBe(hashApiKey(String(user.body.api_key)));
      expect(JSON.stringify(stored)).not.toContain(String(user.body.api_key));

      // The new key works at once.
      expect((await call('GET', '/voice/agents', { token: String(user.body.api_key) })).status).toBe(200);
      // The same email twice in one tenant is a conflict.
      expectApiError(await call('POST', `/admin/tenants/${tenant.body.id}/users`, { token: service().adminToken, json: { email } }), 409, 'conflict');
      expect(await service().prisma.user.count({ where: { tenantId: String(tenant.body.id) } })).toBe(1);
    });

    test('a user for a tenant that does not exist → 404 not_found', async () => {
      const res = await call('POST', '/admin/tenants/ten_doesnotexist0000000/users', { token: service().adminToken, json: { email: `x-${uniqueSuffix()}@example.com` } });
      expectApiError(res, 404, 'not_found');
    });

    test('a bad tenant body → 400 naming the field', async () => {
      const res = await call('POST', '/admin/tenants', { token: service().adminToken, json: { name: '   ' } });
      expectApiError(res, 400, 'validation_failed');
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
      for (const token of [undefined, 'cp_live_wrong', service().adminToken]) {
        const res = await call(method, path, { token, json });
        expectApiError(res, 401, 'unauthorized');
        expect(apiError(res).message).toMatch(/Authorization: Bearer/);
      }
    });

    test('an unauthenticated create writes nothing even with a valid body', async () => {
      const name = `Ghost ${uniqueSuffix()}`;
      expectApiError(await call('POST', '/voice/agents', { token: 'cp_live_wrong', json: agentRequestBody(name) }), 401, 'unauthorized');
      expect(await service().prisma.agent.count({ where: { name } })).toBe(0);
    });
  });

  describe('agents', () => {
    test('create returns the agent as sent, with an agt_ id; GET returns the same', async () => {
      const { apiKey } = await newTenant();
      const body = agentRequestBody();
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
      const body = withField(withField(withField(withField(agentRequestBody(), 'voice.max_duration', undefined), 'voice.recording', undefined), 'voice.transcription', undefined), 'after_hours', undefined);
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
      // Vendors the voice agent has no plugin for: refused when the agent is saved, not when a call starts.
      ['voice.tts.provider', 'azure'],
      ['voice.stt.provider', 'assemblyai'],
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
      const res = await call('POST', '/voice/agents', { token: apiKey, json: withField(agentRequestBody(), field, value) });
      expectApiError(res, 400, 'validation_failed');
      // The field reported is the field that is wrong (array items by index; days items may be deeper).
      expect(detailFields(res).some((f) => f === field || f.startsWith(`${field}.`))).toBe(true);
      expect(apiError(res).message).toContain(field.split('.')[0]);
      expect(await countAgents(tenantId)).toBe(before);
    });

    test('a missing required field is reported as "is required"', async () => {
      const { apiKey } = await newTenant();
      const res = await call('POST', '/voice/agents', { token: apiKey, json: withField(agentRequestBody(), 'voice.greeting', undefined) });
      expect(apiError(res).details).toEqual([{ field: 'voice.greeting', message: 'is required' }]);
    });

    test.each([
      ['', 'colour'],
      ['voice.', 'speed'],
      ['voice.tts.', 'pitch'],
      ['after_hours.', 'holidays'],
    ])('an unknown field %s%s → 400 naming it, and nothing written', async (prefix, unknown) => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/agents', { token: apiKey, json: withField(agentRequestBody(), `${prefix}${unknown}`, 'x') });
      expectApiError(res, 400, 'validation_failed');
      const details = apiError(res).details ?? [];
      expect(details.some((d) => d.field === `${prefix}${unknown}` || d.message.includes(unknown))).toBe(true);
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('several bad fields are all reported in one response', async () => {
      const { apiKey, tenantId } = await newTenant();
      let body = withField(agentRequestBody(), 'voice.max_duration', 0);
      body = withField(body, 'after_hours.timezone', 'Mars/Olympus');
      body = withField(body, 'voice.tts.provider', 'acme-tts');
      const res = await call('POST', '/voice/agents', { token: apiKey, json: body });
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res).sort()).toEqual(['after_hours.timezone', 'voice.max_duration', 'voice.tts.provider']);
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('a body that is not JSON → 400 invalid_json; another media type → 415', async () => {
      const { apiKey, tenantId } = await newTenant();
      const broken = await call('POST', '/voice/agents', { token: apiKey, headers: { 'content-type': 'application/json' }, rawBody: '{"name": "x",' });
      expectApiError(broken, 400, 'invalid_json');
      const text = await call('POST', '/voice/agents', { token: apiKey, headers: { 'content-type': 'text/plain' }, rawBody: JSON.stringify(agentRequestBody()) });
      expectApiError(text, 415, 'unsupported_media_type');
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
      const bad = await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: { name: 'Renamed', voice: { ...agentRequestBody().voice, max_duration: 0 } } });
      expectApiError(bad, 400, 'validation_failed');
      expect(detailFields(bad)).toEqual(['voice.max_duration']);
      expectApiError(await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: {} }), 400, 'validation_failed');
      expectApiError(await call('PATCH', `/voice/agents/${created.id}`, { token: apiKey, json: { id: 'agt_other' } }), 400, 'validation_failed');
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
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toContain(field);
    });

    test('an empty ?limit= means the default page size', async () => {
      const { apiKey } = await newTenant();
      await createAgent(apiKey);
      const res = await call('GET', '/voice/agents?limit=&cursor=', { token: apiKey });
      expect(res.status).toBe(200);
      expect(res.body.data).toHaveLength(1);
    });

    test('DELETE removes the agent and frees its numbers', async () => {
      const { apiKey, tenantId } = await newTenant();
      const agent = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      expect((await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } })).status).toBe(200);

      const del = await call('DELETE', `/voice/agents/${agent.id}`, { token: apiKey });
      expect(del.status).toBe(204);
      expect(del.text).toBe('');
      expectApiError(await call('GET', `/voice/agents/${agent.id}`, { token: apiKey }), 404, 'not_found');
      expectApiError(await call('DELETE', `/voice/agents/${agent.id}`, { token: apiKey }), 404, 'not_found');
      expect(await countAgents(tenantId)).toBe(0);

      const freed = await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey });
      expect(freed.body.agent_id).toBeNull();
      const events = await service().prisma.outboxEvent.findMany({ where: { key: phone.id }, orderBy: { createdAt: 'asc' } });
      const last = events[events.length - 1]!.envelope as { type: string; data: { agent_id: string | null } };
      expect(last).toMatchObject({ type: 'number.unassigned', data: { agent_id: null } });
    });
  });

  test('the OpenAPI document lists every provisioning route with its security scheme', async () => {
    const res = await call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, { security: unknown[] }>>;
    const expected: Array<[string, string, string]> = [
      ['/admin/tenants', 'post', 'adminToken'],
      ['/admin/tenants', 'get', 'adminToken'],
      ['/admin/tenants/{tenant_id}/users', 'post', 'adminToken'],
      ['/admin/tenants/{tenant_id}/users', 'get', 'adminToken'],
      ['/admin/tenants/{tenant_id}/users/{user_id}/revoke', 'post', 'adminToken'],
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

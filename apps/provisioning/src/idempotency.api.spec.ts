import { agentRequestBody, detailFields, expectApiError, uniquePhoneNumber, uniqueSuffix, withField } from '@callplane/testing';
import { useProvisioningService } from './provisioning.test-harness';

/** API.md: the same key and body within 24 h returns the first response and creates nothing new; another body is a conflict. */
describe('provisioning API over HTTP: Idempotency-Key', () => {
  const { service, call, newTenant, addNumber, countAgents, countNumbers } = useProvisioningService();

  describe('Idempotency-Key', () => {
    test('the same key and body returns the first response and creates one agent', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const body = agentRequestBody();
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
      const body = agentRequestBody();
      const reordered = Object.fromEntries(Object.entries(body).reverse());
      const first = await call('POST', '/voice/agents', { token: apiKey, json: body, headers: { 'idempotency-key': key } });
      const second = await call('POST', '/voice/agents', { token: apiKey, json: reordered, headers: { 'idempotency-key': key } });
      expect(second.body.id).toBe(first.body.id);
      expect(await countAgents(tenantId)).toBe(1);
    });

    test('the same key with a different body, or on another endpoint → 409 idempotency_conflict, nothing created', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const first = await call('POST', '/voice/agents', { token: apiKey, json: agentRequestBody(), headers: { 'idempotency-key': key } });
      expect(first.status).toBe(201);
      const changed = await call('POST', '/voice/agents', { token: apiKey, json: agentRequestBody(), headers: { 'idempotency-key': key } });
      expectApiError(changed, 409, 'idempotency_conflict');
      const otherPath = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: uniquePhoneNumber() }, headers: { 'idempotency-key': key } });
      expectApiError(otherPath, 409, 'idempotency_conflict');
      expect(await countAgents(tenantId)).toBe(1);
      expect(await countNumbers(tenantId)).toBe(0);
    });

    test('keys are per user: two users sending the same key and body each create their own', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const key = `idem-${uniqueSuffix()}`;
      const body = agentRequestBody();
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
      const good = agentRequestBody();
      const bad = withField(good, 'voice.max_duration', 0);
      expectApiError(await call('POST', '/voice/agents', { token: apiKey, json: bad, headers: { 'idempotency-key': key } }), 400, 'validation_failed');
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
      expectApiError(await call('POST', '/voice/phone-numbers', { token: b.apiKey, json: { number: taken.number }, headers: { 'idempotency-key': key } }), 409, 'number_already_exists');
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
      expect(await service().prisma.outboxEvent.count({ where: { key: String(first.body.id) } })).toBe(1);
    });

    test('concurrent requests with one key create exactly one agent', async () => {
      const { apiKey, tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const body = agentRequestBody();
      const results = await Promise.all(Array.from({ length: 6 }, () => call('POST', '/voice/agents', { token: apiKey, json: body, headers: { 'idempotency-key': key } })));
      expect(await countAgents(tenantId)).toBe(1);
      const created = results.filter((r) => r.status === 201);
      expect(created.length).toBeGreaterThanOrEqual(1);
      expect(new Set(created.map((r) => r.body.id)).size).toBe(1);
      for (const r of results.filter((x) => x.status !== 201)) expectApiError(r, 409, 'idempotency_in_progress');
    });

    test('an Idempotency-Key over 255 characters → 400 naming the header', async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/agents', { token: apiKey, json: agentRequestBody(), headers: { 'idempotency-key': 'k'.repeat(256) } });
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['Idempotency-Key']);
      expect(await countAgents(tenantId)).toBe(0);
    });

    test('operator POSTs honour the key too', async () => {
      const key = `idem-${uniqueSuffix()}`;
      const name = `Idem tenant ${uniqueSuffix()}`;
      const first = await call('POST', '/admin/tenants', { token: service().adminToken, json: { name }, headers: { 'idempotency-key': key } });
      const second = await call('POST', '/admin/tenants', { token: service().adminToken, json: { name }, headers: { 'idempotency-key': key } });
      expect(second.body).toEqual(first.body);
      expect(await service().prisma.tenant.count({ where: { name } })).toBe(1);
    });

    test('a replayed user creation returns the same API key, which is kept only encrypted meanwhile', async () => {
      const { tenantId } = await newTenant();
      const key = `idem-${uniqueSuffix()}`;
      const email = `replay-${uniqueSuffix()}@example.com`;
      const send = () => call('POST', `/admin/tenants/${tenantId}/users`, { token: service().adminToken, json: { email }, headers: { 'idempotency-key': key } });
      const first = await send();
      expect(first.status).toBe(201);
      const apiKey = first.body.api_key as string;
      const second = await send();
      expect(second.status).toBe(201);
      expect(second.body).toEqual(first.body);
      expect(await service().prisma.user.count({ where: { tenantId, email } })).toBe(1);
      const stored = await service().prisma.idempotencyRecord.findFirstOrThrow({ where: { key } });
      expect(JSON.stringify(stored.response)).not.toContain(apiKey);
      expect(JSON.stringify(stored.response)).not.toContain(apiKey.slice(-12));
    });
  });
});

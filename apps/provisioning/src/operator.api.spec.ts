import { hashApiKey } from '@callplane/service-kit';
import { expectApiError, detailFields, uniqueSuffix } from '@callplane/testing';
import { useProvisioningService } from './provisioning.test-harness';

type Page<T> = { data: T[]; next_cursor: string | null };
type TenantRow = { id: string; name: string; created_at: string };
type UserRow = { id: string; email: string; api_key_hint: string; created_at: string; revoked_at: string | null };

/** The operator API's lists and revoke: tenants, a tenant's users, and taking a user's key away. */
describe('operator API over HTTP: listing tenants and users, revoking keys', () => {
  const { service, call, newTenant } = useProvisioningService();
  const admin = () => service().adminToken;

  /** Every page of an operator list, following next_cursor. */
  async function allPages<T>(path: string, limit: number): Promise<{ rows: T[]; pages: number }> {
    const rows: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await call('GET', `${path}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token: admin() });
      expect(res.status).toBe(200);
      const body = res.body as Page<T>;
      expect(body.data.length).toBeLessThanOrEqual(limit);
      rows.push(...body.data);
      cursor = body.next_cursor;
      pages++;
    } while (cursor);
    return { rows, pages };
  }

  test('GET /admin/tenants lists every tenant newest first, in cursor pages', async () => {
    const names = [1, 2, 3].map((i) => `Listed ${i} ${uniqueSuffix()}`);
    const created: string[] = [];
    for (const name of names) {
      const res = await call('POST', '/admin/tenants', { token: admin(), json: { name } });
      created.push(String(res.body.id));
    }
    const total = await service().prisma.tenant.count();
    const { rows, pages } = await allPages<TenantRow>('/admin/tenants', 2);
    expect(rows).toHaveLength(total);
    expect(pages).toBe(Math.ceil(total / 2));
    expect(new Set(rows.map((r) => r.id)).size).toBe(total);
    // Newest first: the three just made, in reverse order of creation, before any older tenant.
    expect(rows.slice(0, 3).map((r) => r.id)).toEqual([...created].reverse());
    expect(rows[0]).toEqual({ id: created[2], name: names[2], created_at: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T.*Z$/) });
  });

  test("GET /admin/tenants/{id}/users lists the tenant's users with a key hint, never a key", async () => {
    const { tenantId, apiKey } = await newTenant('Users');
    const email = `second-${uniqueSuffix()}@acme.example`;
    const second = await call('POST', `/admin/tenants/${tenantId}/users`, { token: admin(), json: { email } });
    const res = await call('GET', `/admin/tenants/${tenantId}/users`, { token: admin() });
    expect(res.status).toBe(200);
    const body = res.body as Page<UserRow>;
    expect(body.next_cursor).toBeNull();
    expect(body.data.map((u) => u.id)).toEqual([second.body.id, expect.stringMatching(/^usr_/)]);
    expect(body.data[0]).toEqual({ id: second.body.id, email, api_key_hint: `…${String(second.body.api_key).slice(-4)}`, created_at: expect.any(String), revoked_at: null });
    expect(body.data[1]!.api_key_hint).toBe(`…${apiKey.slice(-4)}`);
    expect(res.text).not.toContain(apiKey);
    expect(res.text).not.toContain(String(second.body.api_key));
    expect(res.text).not.toContain('api_key"');

    // Another tenant's users are not in this list.
    const other = await newTenant('Other');
    const otherList = (await call('GET', `/admin/tenants/${other.tenantId}/users`, { token: admin() })).body as Page<UserRow>;
    expect(otherList.data.map((u) => u.id)).toEqual([other.userId]);
  });

  test('the operator lists refuse a customer key, an unknown tenant and a bad page size', async () => {
    const { tenantId, apiKey } = await newTenant();
    expectApiError(await call('GET', '/admin/tenants', { token: apiKey }), 401, 'unauthorized');
    expectApiError(await call('GET', `/admin/tenants/${tenantId}/users`, { token: apiKey }), 401, 'unauthorized');
    expectApiError(await call('GET', '/admin/tenants/ten_doesnotexist0000000/users', { token: admin() }), 404, 'not_found');
    const bad = await call('GET', '/admin/tenants?limit=500', { token: admin() });
    expectApiError(bad, 400, 'validation_failed');
    expect(detailFields(bad)).toEqual(['query.limit']);
    expectApiError(await call('GET', '/admin/tenants?cursor=not-a-cursor', { token: admin() }), 400, 'validation_failed');
  });

  test("revoking a user's key refuses it at once, keeps the user listed, and leaves the tenant's other keys working", async () => {
    const { tenantId, userId, apiKey } = await newTenant('Revoke');
    const kept = await call('POST', `/admin/tenants/${tenantId}/users`, { token: admin(), json: { email: `kept-${uniqueSuffix()}@acme.example` } });
    // The key works, and is now in the authentication cache.
    expect((await call('GET', '/voice/agents', { token: apiKey })).status).toBe(200);

    const res = await call('POST', `/admin/tenants/${tenantId}/users/${userId}/revoke`, { token: admin() });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: userId, email: expect.any(String), api_key_hint: `…${apiKey.slice(-4)}`, created_at: expect.any(String), revoked_at: expect.stringMatching(/Z$/) });
    expectApiError(await call('GET', '/voice/agents', { token: apiKey }), 401, 'unauthorized');
    expect((await call('GET', '/voice/agents', { token: String(kept.body.api_key) })).status).toBe(200);

    const stored = await service().prisma.user.findUniqueOrThrow({ where: { id: userId } });
    expect(stored).toMatchObject({ apiKeyHash: hashApiKey(apiKey), revokedAt: new Date(String(res.body.revoked_at)) });
    const listed = (await call('GET', `/admin/tenants/${tenantId}/users`, { token: admin() })).body as Page<UserRow>;
    expect(listed.data.find((u) => u.id === userId)?.revoked_at).toBe(res.body.revoked_at);

    // Again: the same answer, the first revoke time kept.
    const again = await call('POST', `/admin/tenants/${tenantId}/users/${userId}/revoke`, { token: admin() });
    expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: res.body });
  });

  test("a user is revoked only through its own tenant: another tenant's path is 404 and changes nothing", async () => {
    const a = await newTenant('A');
    const b = await newTenant('B');
    const foreign = await call('POST', `/admin/tenants/${b.tenantId}/users/${a.userId}/revoke`, { token: admin() });
    expectApiError(foreign, 404, 'not_found');
    const missing = await call('POST', `/admin/tenants/${b.tenantId}/users/usr_doesnotexist0000000/revoke`, { token: admin() });
    expect(missing.body).toEqual(foreign.body);
    expect((await service().prisma.user.findUniqueOrThrow({ where: { id: a.userId } })).revokedAt).toBeNull();
    expect((await call('GET', '/voice/agents', { token: a.apiKey })).status).toBe(200);
    // A customer key cannot revoke, not even its own.
    expectApiError(await call('POST', `/admin/tenants/${a.tenantId}/users/${a.userId}/revoke`, { token: a.apiKey }), 401, 'unauthorized');
    expect((await service().prisma.user.findUniqueOrThrow({ where: { id: a.userId } })).revokedAt).toBeNull();
  });
});

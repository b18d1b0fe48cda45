import { agentRequestBody, apiError, expectApiError, uniquePhoneNumber, uniqueSuffix } from '@callplane/testing';
import { useProvisioningService } from './provisioning.test-harness';

const NUL = '\u0000';

/**
 * PostgreSQL refuses the NUL character in text and JSON: a string carrying one must be a 400 naming the field, with
 * nothing written, on every route (one rule in the router), never a 500 from the database.
 */
describe('a NUL character in any string the provisioning API takes', () => {
  const { service, call, newTenant, createAgent, addNumber, countAgents } = useProvisioningService();

  it.each([
    ['name', { name: `Ac${NUL}me` }],
    ['system_prompt', { system_prompt: `Be${NUL} kind.` }],
    ['voice.greeting', { voice: { ...agentRequestBody().voice, greeting: `Hi${NUL}` } }],
  ])('POST /voice/agents with one in %s → 400 naming it, no agent', async (field, over) => {
    const { apiKey, tenantId } = await newTenant();
    const res = await call('POST', '/voice/agents', { token: apiKey, json: { ...agentRequestBody(), ...over } });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field, message: expect.stringContaining('NUL') }]);
    expect(await countAgents(tenantId)).toBe(0);
  });

  it('PATCH /voice/agents/{id} → 400, the agent unchanged', async () => {
    const { apiKey } = await newTenant();
    const agent = await createAgent(apiKey);
    const res = await call('PATCH', `/voice/agents/${agent.id}`, { token: apiKey, json: { name: `x${NUL}` } });
    expectApiError(res, 400, 'validation_failed');
    expect((await service().prisma.agent.findUniqueOrThrow({ where: { id: String(agent.id) } })).name).toBe(agent.name);
  });

  it.each(['phone_id', 'greeting'])('PUT /voice/agents/{id}/phone with one in %s → 400, nothing assigned', async (field) => {
    const { apiKey } = await newTenant();
    const agent = await createAgent(apiKey);
    const number = await addNumber(apiKey);
    const body = { phone_id: number.id, enabled: true, greeting: 'Hello', [field]: field === 'phone_id' ? `pn_${NUL}` : `Hi${NUL}` };
    const res = await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: body });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field, message: expect.stringContaining('NUL') }]);
    expect((await service().prisma.phoneNumber.findUniqueOrThrow({ where: { id: String(number.id) } })).agentId).toBeNull();
  });

  it('POST /voice/phone-numbers with one in signing_secret → 400, no number', async () => {
    const { apiKey, tenantId } = await newTenant();
    const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: uniquePhoneNumber(), signing_secret: `s${NUL}cret` } });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field: 'signing_secret', message: expect.stringContaining('NUL') }]);
    expect(await service().prisma.phoneNumber.count({ where: { tenantId } })).toBe(0);
  });

  it('POST /admin/tenants with one in name, or in a key → 400, no tenant', async () => {
    const name = `T${NUL}${uniqueSuffix()}`;
    const res = await call('POST', '/admin/tenants', { token: service().adminToken, json: { name } });
    expectApiError(res, 400, 'validation_failed');
    expect(await service().prisma.tenant.count({ where: { name: { endsWith: name.slice(2) } } })).toBe(0);
    const key = await call('POST', '/admin/tenants', { token: service().adminToken, json: { name: 'Fine', [`n${NUL}`]: 'x' } });
    expectApiError(key, 400, 'validation_failed');
    expect(apiError(key).details).toEqual([{ field: 'n\\u0000', message: expect.stringContaining('NUL') }]);
  });

  it('a query value with one → 400 naming the query field', async () => {
    const { apiKey } = await newTenant();
    const res = await call('GET', `/voice/agents?cursor=a%00b`, { token: apiKey });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field: 'query.cursor', message: expect.stringContaining('NUL') }]);
  });

  it.each(['tel:+14155550142', '+14155550142;ext=7'])('POST /voice/phone-numbers with %s (the one number policy: refused, not changed) → 400, no number', async (number) => {
    const { apiKey, tenantId } = await newTenant();
    const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number } });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field: 'number', message: expect.any(String) }]);
    expect(await service().prisma.phoneNumber.count({ where: { tenantId } })).toBe(0);
  });
});

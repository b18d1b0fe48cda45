import { apiError } from '@callplane/testing';
import { useProvisioningService } from './provisioning.test-harness';

/** One tenant can neither see nor change another's agents and numbers, and cannot tell they exist. */
describe('provisioning API over HTTP: tenant isolation', () => {
  const { service, call, newTenant, createAgent, addNumber } = useProvisioningService();

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
      const eventsBefore = await service().prisma.outboxEvent.count({ where: { key: phoneA.id } });

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
      expect(await service().prisma.outboxEvent.count({ where: { key: phoneA.id } })).toBe(eventsBefore);
    });
  });
});

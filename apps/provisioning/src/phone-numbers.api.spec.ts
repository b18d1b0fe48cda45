import { randomBytes } from 'node:crypto';
import { TOPICS } from '@callplane/contracts';
import { detailFields, expectApiError, uniquePhoneNumber } from '@callplane/testing';
import { PUBLIC_BASE_URL, useProvisioningService } from './provisioning.test-harness';

/** Bring-your-own numbers, deploy-to-phone assignment, and the numbers.changes events they leave in the outbox. */
describe('provisioning API over HTTP: phone numbers', () => {
  const { service, secrets, call, newTenant, createAgent, addNumber, countNumbers } = useProvisioningService();

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
        state: 'active',
        attention: null,
        created_at: expect.stringMatching(/Z$/),
      });
      expect(res.text).not.toContain(secret);

      const one = await call('GET', `/voice/phone-numbers/${res.body.id}`, { token: apiKey });
      expect(one.body).toEqual(res.body);
      const list = await call('GET', '/voice/phone-numbers', { token: apiKey });
      expect(list.body).toEqual({ data: [res.body], next_cursor: null });
      for (const r of [one, list]) expect(r.text).not.toContain(secret);

      const stored = await service().prisma.phoneNumber.findFirstOrThrow({ where: { tenantId } });
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
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['number']);
      expect(await countNumbers(tenantId)).toBe(0);
    });

    test('a signing secret shorter than 8 characters → 400 naming it', async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number: uniquePhoneNumber(), signing_secret: 'short' } });
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['signing_secret']);
      expect(await countNumbers(tenantId)).toBe(0);
    });

    test('a number already on Callplane → 409 number_already_exists, in any tenant and any format', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const first = await addNumber(a.apiKey);
      const eventsBefore = await service().prisma.outboxEvent.count({ where: { topic: TOPICS.numbersChanges, envelope: { path: ['data', 'number'], equals: first.number } } });

      const again = await call('POST', '/voice/phone-numbers', { token: a.apiKey, json: { number: first.number } });
      expectApiError(again, 409, 'number_already_exists');
      const elsewhere = await call('POST', '/voice/phone-numbers', { token: b.apiKey, json: { number: first.number.slice(1) } });
      expectApiError(elsewhere, 409, 'number_already_exists');

      expect(await service().prisma.phoneNumber.count({ where: { number: first.number } })).toBe(1);
      expect(await countNumbers(b.tenantId)).toBe(0);
      expect(await service().prisma.outboxEvent.count({ where: { topic: TOPICS.numbersChanges, envelope: { path: ['data', 'number'], equals: first.number } } })).toBe(eventsBefore);
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
      expectApiError(await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey }), 404, 'not_found');
      expectApiError(await call('DELETE', `/voice/phone-numbers/${phone.id}`, { token: apiKey }), 404, 'not_found');
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
      expectApiError(await call('DELETE', `/voice/agents/${agent.id}/phone/${phone.id}`, { token: apiKey }), 404, 'not_found');
    });

    test('a number serves one agent: assigning it to agent B while A has it → 409, A keeps it', async () => {
      const { apiKey } = await newTenant();
      const a = await createAgent(apiKey);
      const b = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      expect((await call('PUT', `/voice/agents/${a.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } })).status).toBe(200);
      const eventsBefore = await service().prisma.outboxEvent.count({ where: { key: phone.id } });

      const res = await call('PUT', `/voice/agents/${b.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true, greeting: 'Hijack' } });
      expectApiError(res, 409, 'number_assigned_elsewhere');
      expect((await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey })).body).toMatchObject({ agent_id: a.id, greeting: null });
      expect(await service().prisma.outboxEvent.count({ where: { key: phone.id } })).toBe(eventsBefore);
      // Unassigning through the wrong agent is not found, and changes nothing.
      expectApiError(await call('DELETE', `/voice/agents/${b.id}/phone/${phone.id}`, { token: apiKey }), 404, 'not_found');
      expect((await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey })).body.agent_id).toBe(a.id);
    });

    test("deleting an agent frees its numbers and clears that agent's greeting", async () => {
      const { apiKey } = await newTenant();
      const agent = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      expect((await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, greeting: 'Old greeting', enabled: true } })).status).toBe(200);
      expect((await call('DELETE', `/voice/agents/${agent.id}`, { token: apiKey })).status).toBe(204);
      expect((await call('GET', `/voice/phone-numbers/${phone.id}`, { token: apiKey })).body).toMatchObject({ agent_id: null, greeting: null });
      const types = (await service().prisma.outboxEvent.findMany({ where: { key: phone.id }, orderBy: { createdAt: 'asc' } })).map((e) => (e.envelope as { type: string }).type);
      expect(types).toEqual(['number.imported', 'number.assigned', 'number.unassigned']);
    });

    test('concurrent assignments of one number to two agents: exactly one wins', async () => {
      const { apiKey } = await newTenant();
      const a = await createAgent(apiKey);
      const b = await createAgent(apiKey);
      const phone = await addNumber(apiKey);
      const results = await Promise.all(
        [a, b, a, b].map((agent) => call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: phone.id, enabled: true } })),
      );
      const stored = await service().prisma.phoneNumber.findUniqueOrThrow({ where: { id: phone.id } });
      for (const r of results) {
        if (r.status === 200) expect(r.body.agent_id).toBe(stored.agentId);
        else expectApiError(r, 409, 'number_assigned_elsewhere');
      }
      expect(results.some((r) => r.status === 200)).toBe(true);
    });

    test('assigning a number of another tenant, or one that does not exist → 404, nothing changes', async () => {
      const a = await newTenant('A');
      const b = await newTenant('B');
      const agentB = await createAgent(b.apiKey);
      const phoneA = await addNumber(a.apiKey);
      const before = await service().prisma.phoneNumber.findUniqueOrThrow({ where: { id: phoneA.id } });

      expectApiError(await call('PUT', `/voice/agents/${agentB.id}/phone`, { token: b.apiKey, json: { phone_id: phoneA.id, enabled: true } }), 404, 'not_found');
      expectApiError(await call('PUT', `/voice/agents/${agentB.id}/phone`, { token: b.apiKey, json: { phone_id: 'pn_doesnotexist0000000', enabled: true } }), 404, 'not_found');
      expect(await service().prisma.phoneNumber.findUniqueOrThrow({ where: { id: phoneA.id } })).toEqual(before);
      expect(await service().prisma.outboxEvent.count({ where: { key: phoneA.id } })).toBe(1);
    });

    test('the assignment body is validated', async () => {
      const { apiKey } = await newTenant();
      const agent = await createAgent(apiKey);
      const res = await call('PUT', `/voice/agents/${agent.id}/phone`, { token: apiKey, json: { phone_id: 'pn_x' } });
      expectApiError(res, 400, 'validation_failed');
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

      const rows = await service().prisma.outboxEvent.findMany({ where: { key: phone.id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
      expect(rows.map((r) => r.topic)).toEqual(Array(4).fill(TOPICS.numbersChanges));
      const envelopes = rows.map((r) => r.envelope as { id: string; type: string; tenant_id: string; key: string; data: Record<string, unknown> });
      expect(envelopes.map((e) => e.type)).toEqual(['number.imported', 'number.assigned', 'number.unassigned', 'number.released']);
      for (const [i, e] of envelopes.entries()) {
        expect(e).toMatchObject({ id: rows[i]!.id, tenant_id: tenantId, key: phone.id, data: { phone_id: phone.id, number: phone.number, provider: 'sip' } });
      }
      expect(envelopes.map((e) => e.data.agent_id)).toEqual([null, agent.id, null, null]);
    });
  });
});

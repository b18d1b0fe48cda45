import { isSandboxCallerId, SANDBOX_NUMBERS, TOPICS } from '@callplane/contracts';
import { apiError, detailFields, expectApiError, uniquePhoneNumber } from '@callplane/testing';
import { useProvisioningService } from './provisioning.test-harness';

/**
 * Sandbox mode (no LiveKit): a tenant created through the operator API has its own number to place sandbox calls
 * from at once, found with GET /voice/phone-numbers; numbers LiveKit would be needed for are refused after the body
 * is checked.
 */
describe('provisioning API over HTTP, sandbox mode: every tenant has a number to call from', () => {
  const { service, call, newTenant, countNumbers } = useProvisioningService({ sandboxNumbers: true });
  const numbersOf = async (apiKey: string) => {
    const res = await call('GET', '/voice/phone-numbers', { token: apiKey });
    expect(res.status).toBe(200);
    return res.body.data as Array<{ id: string; number: string; provider: string; outbound: { enabled: boolean }; state: string }>;
  };

  test('a tenant created with POST /admin/tenants lists its own outbound-enabled sandbox number, and tells the gateway', async () => {
    const first = await newTenant('First');
    const second = await newTenant('Second');
    const [mine] = await numbersOf(first.apiKey);
    const [theirs] = await numbersOf(second.apiKey);
    for (const [n, list] of [[mine, await numbersOf(first.apiKey)], [theirs, await numbersOf(second.apiKey)]] as const) {
      expect(list).toHaveLength(1);
      expect(n).toMatchObject({ provider: 'sip', outbound: { enabled: true }, state: 'active', agent_id: null });
      expect(isSandboxCallerId(n!.number)).toBe(true);
    }
    // A number belongs to one tenant: each has its own.
    expect(mine!.number).not.toBe(theirs!.number);

    const events = await service().prisma.outboxEvent.findMany({ where: { topic: TOPICS.numbersChanges, key: mine!.id } });
    expect(events.map((e) => (e.envelope as { type: string; tenant_id: string }).type)).toEqual(['number.imported']);
    expect(events[0]!.envelope).toMatchObject({ tenant_id: first.tenantId, data: { phone_id: mine!.id, number: mine!.number, provider: 'sip' } });
  });

  test('a sandbox number cannot be added with POST /voice/phone-numbers (no provider routes it): 400 naming `number` and pointing at the one the tenant has', async () => {
    const { apiKey, tenantId } = await newTenant();
    for (const number of [SANDBOX_NUMBERS.answers, '+15550120042']) {
      const res = await call('POST', '/voice/phone-numbers', { token: apiKey, json: { number } });
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(['number']);
      expect(apiError(res).message).toContain('GET /voice/phone-numbers');
    }
    expect(await countNumbers(tenantId)).toBe(1);
  });

  describe('BYOK import without LiveKit: the body is checked first, then the import is refused with 409', () => {
    const twilio = { account_sid: `AC${'c'.repeat(32)}`, auth_token: 'twilio-token-secret-0002' };

    test.each([
      ['credentials missing a field', { credentials: { account_sid: twilio.account_sid }, number: '+14155550142' }, 'credentials.auth_token'],
      ['a number that is not one', { credentials: twilio, number: 'not-a-number' }, 'number'],
      ['an unknown field', { credentials: twilio, number: '+14155550142', extra: 1 }, 'extra'],
    ])('%s → 400 validation_failed naming it, nothing written', async (_what, body, field) => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/phone-numbers/byok/twilio/import', { token: apiKey, json: body });
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual([field]);
      expect(await countNumbers(tenantId)).toBe(1);
    });

    test('a good body → 409 livekit_not_configured, saying what to set; nothing written', async () => {
      const { apiKey, tenantId } = await newTenant();
      const res = await call('POST', '/voice/phone-numbers/byok/twilio/import', { token: apiKey, json: { credentials: twilio, number: uniquePhoneNumber() } });
      expectApiError(res, 409, 'livekit_not_configured');
      expect(apiError(res).message).toContain('LIVEKIT_URL');
      expect(await countNumbers(tenantId)).toBe(1);
    });
  });
});

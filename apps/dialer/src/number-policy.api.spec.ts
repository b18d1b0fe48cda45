import { apiError, expectApiError } from '@callplane/testing';
import { campaignOwner } from './campaigns.test-harness';
import { useDialerService } from './dialer.test-harness';

/** The dial API reads numbers by the one policy (libs/contracts phone.ts): an extension or a URI is a 400, not a guess. */
describe('numbers the dial API refuses rather than changes', () => {
  const d = useDialerService();

  it.each(['+14155551234;ext=1', 'tel:+14155551234', '+1 415 555 1234 x12'])('%s as to_number → 400 naming it, no call', async (to) => {
    const o = await campaignOwner(d, 'Number policy');
    const res = await d.call('POST', '/voice/outbound/dial', { token: o.apiKey, json: { agent_id: o.agentId, to_number: to, from_number: o.from.number } });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field: 'to_number', message: expect.stringContaining('E.164') }]);
    expect(await d.prisma().outboundCall.count({ where: { tenantId: o.tenantId } })).toBe(0);
  });
});

import { apiError, expectApiError, uniquePhoneNumber } from '@callplane/testing';
import { campaignApi, campaignBody, campaignOwner } from './campaigns.test-harness';
import { useDialerService } from './dialer.test-harness';

const NUL = '\u0000';

/** The dialer's inputs with a NUL character (PostgreSQL stores none): 400 naming the field, nothing written. */
describe('a NUL character in any string the dialer API takes', () => {
  const d = useDialerService();

  it('POST /voice/outbound/dial with one in agent_id → 400, no call', async () => {
    const o = await campaignOwner(d, 'Nul dial');
    const res = await d.call('POST', '/voice/outbound/dial', { token: o.apiKey, json: { agent_id: `agt_${NUL}`, to_number: uniquePhoneNumber(), from_number: o.from.number } });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field: 'agent_id', message: expect.stringContaining('NUL') }]);
    expect(await d.prisma().outboundCall.count({ where: { tenantId: o.tenantId } })).toBe(0);
  });

  it('POST /voice/studio/test-call with one in agent_id → 400, no call', async () => {
    const o = await campaignOwner(d, 'Nul studio');
    const res = await d.call('POST', '/voice/studio/test-call', { token: o.apiKey, json: { agent_id: `agt_${NUL}`, to_number: uniquePhoneNumber() } });
    expectApiError(res, 400, 'validation_failed');
    expect(await d.prisma().outboundCall.count({ where: { tenantId: o.tenantId } })).toBe(0);
  });

  it('POST /voice/campaigns with one in name → 400, no campaign', async () => {
    const o = await campaignOwner(d, 'Nul campaign');
    const res = await campaignApi(d, o).create(campaignBody(o, { name: `R${NUL}` }));
    expectApiError(res, 400, 'validation_failed');
    expect(await d.prisma().campaign.count({ where: { tenantId: o.tenantId } })).toBe(0);
  });

  it('a CSV contact upload with one in a context value → 400, no contact', async () => {
    const o = await campaignOwner(d, 'Nul upload');
    const api = campaignApi(d, o);
    const campaign = await api.create(campaignBody(o));
    const res = await api.uploadCsv(String(campaign.body.id), `to_number,customer_name\n${uniquePhoneNumber()},As${NUL}ha\n`);
    expectApiError(res, 400, 'validation_failed');
    expect(await d.prisma().campaignContact.count({ where: { campaignId: String(campaign.body.id) } })).toBe(0);
  });

  it('a JSON contact upload with one in a context value → 400 naming it, no contact', async () => {
    const o = await campaignOwner(d, 'Nul json upload');
    const api = campaignApi(d, o);
    const campaign = await api.create(campaignBody(o));
    const res = await api.uploadJson(String(campaign.body.id), { contacts: [{ to_number: uniquePhoneNumber(), context: { customer_name: `As${NUL}ha` } }] });
    expectApiError(res, 400, 'validation_failed');
    expect(apiError(res).details).toEqual([{ field: 'contacts.0.context.customer_name', message: expect.stringContaining('NUL') }]);
    expect(await d.prisma().campaignContact.count({ where: { campaignId: String(campaign.body.id) } })).toBe(0);
  });
});

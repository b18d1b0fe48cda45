import { AppError } from '@callplane/service-kit';
import { configureInbound } from './configure-inbound.usecase';
import { importNumber } from './import-number.usecase';
import { deletePhoneNumber } from './phone-numbers.usecase';
import { EXOTEL, PUBLIC_BASE_URL, rejection, useProvisioningDeps, VOBIZ } from './usecases.test-harness';

describe('configureInbound', () => {
  const h = useProvisioningDeps();
  let tenantId: string;
  const exotelCreds = { api_key: EXOTEL.apiKey, api_token: EXOTEL.apiToken, account_sid: EXOTEL.sid };

  beforeAll(async () => {
    tenantId = await h.newTenant('Configure inbound');
  });

  it('falls back to the manual steps when the carrier refuses, then points inbound at us once it accepts, as often as asked', async () => {
    h.fakes.exotel.failVoiceUrlUpdate(403);
    const imported = await importNumber(h.deps(), h.log, tenantId, 'exotel', { credentials: exotelCreds, number: EXOTEL.number });
    const steps = imported.inbound.manual_steps!;
    expect(imported.inbound.configured).toBe(false);
    const url = `${PUBLIC_BASE_URL}/exotel/incoming/${imported.id}`;
    expect(steps).toContain(url);

    h.fakes.exotel.failVoiceUrlUpdate(403);
    expect(await configureInbound(h.deps(), h.log, tenantId, imported.id)).toEqual({ configured: false, manual_steps: steps });
    expect(await h.row(imported.id)).toMatchObject({ inboundConfigured: false, inboundManualSteps: steps });

    for (let i = 0; i < 2; i++) expect(await configureInbound(h.deps(), h.log, tenantId, imported.id)).toEqual({ configured: true });
    expect(await h.row(imported.id)).toMatchObject({ inboundConfigured: true, inboundManualSteps: null });
    expect(h.fakes.exotel.exophone(EXOTEL.sid, EXOTEL.exophone)!.voiceUrl).toBe(url);

    await h.prisma().phoneNumber.update({ where: { id: imported.id }, data: { state: 'needs_attention' } });
    const err = await rejection(configureInbound(h.deps(), h.log, tenantId, imported.id));
    expect({ code: (err as AppError).code, status: (err as AppError).status }).toEqual({ code: 'number_not_active', status: 409 });
    await h.prisma().phoneNumber.update({ where: { id: imported.id }, data: { state: 'active' } });
    await deletePhoneNumber(h.deps(), h.log, tenantId, imported.id);
  });

  it("finds no number to configure when its carrier's importer cannot repeat inbound routing, when it is another tenant's, or when there is none", async () => {
    const vobiz = await importNumber(h.deps(), h.log, tenantId, 'vobiz', { credentials: VOBIZ, number: '+918071234801' });
    const exotel = await importNumber(h.deps(), h.log, tenantId, 'exotel', { credentials: exotelCreds, number: EXOTEL.number });
    const other = await h.newTenant('Someone else');
    const ex = h.fakes.exotel.requests.length;
    const lk = h.fakes.livekit.requests.length;

    expect(await configureInbound(h.deps(), h.log, tenantId, vobiz.id)).toBeNull();
    expect(await configureInbound(h.deps(), h.log, other, exotel.id)).toBeNull();
    expect(await configureInbound(h.deps(), h.log, tenantId, 'pn_doesnotexist0000000')).toBeNull();
    expect(h.fakes.exotel.requests.length).toBe(ex);
    expect(h.fakes.livekit.requests.length).toBe(lk);
    for (const p of [vobiz, exotel]) await deletePhoneNumber(h.deps(), h.log, tenantId, p.id);
  });
});

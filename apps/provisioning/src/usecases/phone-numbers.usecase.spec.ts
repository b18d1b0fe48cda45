import { importNumber } from './import-number.usecase';
import { addByoNumber, deletePhoneNumber } from './phone-numbers.usecase';
import { isBindingRemembered } from './sticky-bindings.repository';
import { PLIVO, PLIVO_NUMBERS, PUBLIC_BASE_URL, useProvisioningDeps } from './usecases.test-harness';

describe('phone numbers use cases', () => {
  const h = useProvisioningDeps();
  let tenantId: string;

  beforeAll(async () => {
    tenantId = await h.newTenant('Phone numbers use case');
  });

  describe('addByoNumber', () => {
    it('without LiveKit (the sandbox) writes the row, active with its manual steps and sealed signing secret, and its event, and sets nothing up', async () => {
      const lk = h.fakes.livekit.requests.length;
      const p = await addByoNumber(h.deps({ livekit: false }), h.log, tenantId, { number: '+14155550171', signing_secret: 'byo-signing-secret-0042' });

      expect(p).toMatchObject({
        number: '+14155550171',
        provider: 'sip',
        byok: false,
        state: 'active',
        credential_hint: '…0042',
        signed_webhooks: true,
        inbound: { configured: false, manual_steps: `In your provider's console, set this number's voice webhook to ${PUBLIC_BASE_URL}/twilio/incoming/${p.id} (HTTP POST).` },
      });
      const row = await h.row(p.id);
      expect(h.secrets.open(row.signingSecretEnc!)).toBe('byo-signing-secret-0042');
      expect(row.sipAuthEnc).toBeNull();
      expect(h.stepNames(row)).toEqual([]);
      expect(await h.eventsFor(p.id)).toEqual(['number.imported']);
      expect(h.fakes.livekit.requests.length).toBe(lk);

      await deletePhoneNumber(h.deps({ livekit: false }), h.log, tenantId, p.id);
      expect(await h.eventsFor(p.id)).toEqual(['number.imported', 'number.released']);
    });

    it("with LiveKit runs the bring-your-own plan: an inbound trunk with the number's own SIP credentials and its rule, which delete removes", async () => {
      const lk = h.fakes.livekit.requests.length;
      const p = await addByoNumber(h.deps(), h.log, tenantId, { number: '+14155550172' });

      expect(h.livekitRpcs(lk)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule']);
      const row = await h.row(p.id);
      const sipAuth = JSON.parse(h.secrets.open(row.sipAuthEnc!)) as { username: string; password: string };
      expect(h.fakes.livekit.inboundTrunks.at(-1)).toMatchObject({ numbers: [p.number], authUsername: sipAuth.username, authPassword: sipAuth.password });
      expect({ state: row.state, steps: h.stepNames(row) }).toEqual({ state: 'active', steps: ['livekit.inbound'] });

      const mark = h.fakes.livekit.requests.length;
      await deletePhoneNumber(h.deps(), h.log, tenantId, p.id);
      expect(h.livekitRpcs(mark)).toEqual(['DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
      expect(h.livekitLeft()).toBe(0);
      expect(await h.prisma().phoneNumber.count({ where: { id: p.id } })).toBe(0);
    });
  });

  describe('deletePhoneNumber', () => {
    it('marks a sticky binding released and keeps it remembered; a number without one leaves no binding behind', async () => {
      const number = `+${PLIVO_NUMBERS.inLocal}`;
      const india = await importNumber(h.deps(), h.log, tenantId, 'plivo', { credentials: { auth_id: PLIVO.authId, auth_token: PLIVO.authToken }, number });
      // Read straight from the table: what the release wrote is the decision under test.
      expect((await h.prisma().plivoIndiaBinding.findUniqueOrThrow({ where: { number } })).releasedAt).toBeNull();

      await deletePhoneNumber(h.deps(), h.log, tenantId, india.id);

      expect(await h.prisma().plivoIndiaBinding.findUniqueOrThrow({ where: { number } })).toMatchObject({ lastTenantId: tenantId, releasedAt: expect.any(Date) });
      expect(await isBindingRemembered(h.prisma(), number)).toBe(true);
      expect(await h.eventsFor(india.id)).toEqual(['number.imported', 'number.released']);

      const us = await importNumber(h.deps(), h.log, tenantId, 'plivo', { credentials: { auth_id: PLIVO.authId, auth_token: PLIVO.authToken }, number: `+${PLIVO_NUMBERS.us}` });
      await deletePhoneNumber(h.deps(), h.log, tenantId, us.id);
      expect(await isBindingRemembered(h.prisma(), us.number)).toBe(false);
    });
  });
});

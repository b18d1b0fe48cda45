import { apiError } from '@callplane/testing';
import { EXOTEL, LIVEKIT_SIP_HOST, PLIVO, PLIVO_NUMBERS, PUBLIC_BASE_URL, TWILIO, useByokImportService } from './byok-import.test-harness';

/**
 * Each provider's import end to end over HTTP, against its fake and FakeLiveKit through the real SDK/clients:
 * the exact provider and LiveKit requests of the import, then of the delete.
 */
describe('BYOK import per provider: exact setup and teardown', () => {
  const h = useByokImportService();
  const { fakes } = h;
  let a: { tenantId: string; apiKey: string };
  const twilioCreds = { account_sid: TWILIO.sid, auth_token: TWILIO.authToken };
  const plivoCreds = { auth_id: PLIVO.authId, auth_token: PLIVO.authToken };
  const exotelCreds = { api_key: EXOTEL.apiKey, api_token: EXOTEL.apiToken, account_sid: EXOTEL.sid };
  const livekitEmpty = () => expect([...fakes.livekit.inboundTrunks, ...fakes.livekit.outboundTrunks, ...fakes.livekit.dispatchRules]).toEqual([]);

  beforeAll(async () => {
    a = await h.newTenant('Per provider');
  });

  describe('Twilio', () => {
    it('import: SIP credential list, Elastic SIP trunk to LiveKit, LiveKit trunks and rule, then the voice URL and status callback; delete undoes it newest first', async () => {
      const tw = fakes.twilio.requests.length;
      const lk = fakes.livekit.requests.length;
      const res = await h.importNumber(a.apiKey, 'twilio', { credentials: twilioCreds, number: TWILIO.number });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      expect(res.body).toMatchObject({
        provider: 'twilio',
        byok: true,
        webhook_url: `${PUBLIC_BASE_URL}/twilio/incoming/${id}`,
        signed_webhooks: true,
        credential_hint: '…0001',
        inbound: { configured: true, manual_steps: null },
        outbound: { enabled: true },
        state: 'active',
      });
      const ac = `/2010-04-01/Accounts/${TWILIO.sid}`;
      expect(h.requestLines(fakes.twilio, tw)).toEqual([
        `GET ${ac}/IncomingPhoneNumbers.json`, // preflight: the number is on the account, with voice
        `POST ${ac}/SIP/CredentialLists.json`,
        `POST ${ac}/SIP/CredentialLists/CL…/Credentials.json`,
        'POST /v1/Trunks',
        'POST /v1/Trunks/TK…/CredentialLists',
        'POST /v1/Trunks/TK…/OriginationUrls',
        `GET ${ac}/IncomingPhoneNumbers/${TWILIO.pn}.json`, // the voice URL to restore on release
        `POST ${ac}/IncomingPhoneNumbers/${TWILIO.pn}.json`,
      ]);
      expect(h.livekitRpcs(lk)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);
      const pn = fakes.twilio.numbers.get(TWILIO.pn)!;
      expect(pn).toMatchObject({ voiceUrl: `${PUBLIC_BASE_URL}/twilio/incoming/${id}`, statusCallback: `${PUBLIC_BASE_URL}/twilio/status/${id}` });
      const trunk = [...fakes.twilio.trunks.values()][0]!;
      expect(trunk.originationUrls.map((o) => o.sipUrl)).toEqual([`sip:${LIVEKIT_SIP_HOST};transport=tcp`]);
      expect(fakes.livekit.outboundTrunks[0]).toMatchObject({ address: trunk.domainName, numbers: [TWILIO.number] });
      // The SIP credentials Twilio's trunk holds are the ones LiveKit's trunks expect.
      const twilioCred = [...fakes.twilio.credentialLists.values()][0]!.credentials[0]!;
      expect(fakes.livekit.inboundTrunks[0]).toMatchObject({ authUsername: twilioCred.username, authPassword: twilioCred.password });

      const tw2 = fakes.twilio.requests.length;
      const lk2 = fakes.livekit.requests.length;
      expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
      expect(h.requestLines(fakes.twilio, tw2)).toEqual([
        `POST ${ac}/IncomingPhoneNumbers/${TWILIO.pn}.json`, // calls stop reaching us first
        'DELETE /v1/Trunks/TK…/OriginationUrls/OU…',
        'DELETE /v1/Trunks/TK…/CredentialLists/CL…',
        'DELETE /v1/Trunks/TK…',
        `DELETE ${ac}/SIP/CredentialLists/CL…/Credentials/CR….json`,
        `DELETE ${ac}/SIP/CredentialLists/CL….json`,
      ]);
      // LiveKit's side went between the number and the Twilio trunk.
      expect(fakes.livekit.requests.slice(lk2).every((r) => r.rpc.startsWith('Delete'))).toBe(true);
      expect(h.livekitRpcs(lk2)).toEqual(['DeleteSIPTrunk', 'DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
      expect(fakes.twilio.numbers.get(TWILIO.pn)!.voiceUrl).toBe('https://demo.twilio.com/welcome/voice/');
      expect([fakes.twilio.trunks.size, fakes.twilio.credentialLists.size]).toEqual([0, 0]);
      livekitEmpty();
    });

    it('a refused voice URL update undoes everything created before it', async () => {
      fakes.twilio.failVoiceUrlUpdate();
      const res = await h.importNumber(a.apiKey, 'twilio', { credentials: twilioCreds, number: TWILIO.number });
      expect(res.status).toBe(422);
      expect(apiError(res)).toMatchObject({ code: 'provider_rejected', details: { step: 'twilio.voice_url' } });
      expect([fakes.twilio.trunks.size, fakes.twilio.credentialLists.size]).toEqual([0, 0]);
      livekitEmpty();
      expect(await h.countNumbers(a.tenantId)).toBe(0);
    });

    it('wrong credentials and unknown numbers are refused before anything is created', async () => {
      const tw = fakes.twilio.requests.length;
      const wrong = await h.importNumber(a.apiKey, 'twilio', { credentials: { ...twilioCreds, auth_token: 'wrong-token-0000' }, number: TWILIO.number });
      expect({ status: wrong.status, code: apiError(wrong).code }).toEqual({ status: 422, code: 'invalid_credentials' });
      const unknown = await h.importNumber(a.apiKey, 'twilio', { credentials: twilioCreds, number: '+14155550999' });
      expect({ status: unknown.status, code: apiError(unknown).code }).toEqual({ status: 422, code: 'provider_rejected' });
      expect(fakes.twilio.requests.slice(tw).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(await h.countNumbers(a.tenantId)).toBe(0);
    });
  });

  describe('Plivo (Zentrunk, SIP-direct)', () => {
    it('import: credential, origination URI to LiveKit, outbound and inbound trunks, LiveKit trunks and rule, then the number attached; delete undoes it newest first', async () => {
      const pl = fakes.plivo.requests.length;
      const lk = fakes.livekit.requests.length;
      const res = await h.importNumber(a.apiKey, 'plivo', { credentials: plivoCreds, number: `+${PLIVO_NUMBERS.us}` });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      expect(res.body).toMatchObject({ provider: 'plivo', webhook_url: null, inbound: { configured: true }, outbound: { enabled: true }, locked: null });
      expect(res.body).not.toHaveProperty('delete_warning');
      const acc = `/v1/Account/${PLIVO.authId}`;
      expect(h.requestLines(fakes.plivo, pl)).toEqual([
        `GET ${acc}/`, // preflight: credentials, main account
        `GET ${acc}/Zentrunk/Trunk/`, // preflight: the plan has Zentrunk
        `GET ${acc}/Number/${PLIVO_NUMBERS.us}/`, // preflight: on the account, not India-bound
        `POST ${acc}/Zentrunk/Credential/`,
        `POST ${acc}/Zentrunk/URI/`,
        `POST ${acc}/Zentrunk/Trunk/`, // outbound
        `POST ${acc}/Zentrunk/Trunk/`, // inbound
        `POST ${acc}/Number/${PLIVO_NUMBERS.us}/`, // attach to the inbound trunk, last
      ]);
      expect(fakes.plivo.requests.filter((r) => r.path.endsWith('/Zentrunk/Trunk/') && r.method === 'POST').map((r) => (r.body as { trunk_direction: string }).trunk_direction)).toEqual(['outbound', 'inbound']);
      expect(h.livekitRpcs(lk)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);
      const inbound = fakes.plivo.trunks(PLIVO.authId).find((t) => t.trunk_direction === 'inbound')!;
      const outbound = fakes.plivo.trunks(PLIVO.authId).find((t) => t.trunk_direction === 'outbound')!;
      expect(fakes.livekit.outboundTrunks[0]).toMatchObject({ address: outbound.trunk_domain });
      expect(fakes.plivo.number(PLIVO.authId, PLIVO_NUMBERS.us)!.boundTrunkId).toBe(inbound.trunk_id);
      expect(fakes.plivo.uris(PLIVO.authId).map((u) => u.uri)).toEqual([`${LIVEKIT_SIP_HOST};transport=tcp`]);

      const pl2 = fakes.plivo.requests.length;
      expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
      expect(h.requestLines(fakes.plivo, pl2)).toEqual([
        `POST ${acc}/Number/${PLIVO_NUMBERS.us}/`, // detached first: calls stop reaching LiveKit
        `DELETE ${acc}/Zentrunk/Trunk/${inbound.trunk_id}/`,
        `DELETE ${acc}/Zentrunk/Trunk/${outbound.trunk_id}/`,
        `DELETE ${acc}/Zentrunk/URI/{uuid}/`,
        `DELETE ${acc}/Zentrunk/Credential/{uuid}/`,
      ]);
      expect(fakes.plivo.number(PLIVO.authId, PLIVO_NUMBERS.us)!.boundTrunkId).toBeFalsy();
      expect([fakes.plivo.trunks(PLIVO.authId), fakes.plivo.uris(PLIVO.authId), fakes.plivo.credentials(PLIVO.authId)]).toEqual([[], [], []]);
      livekitEmpty();
    });

    it('an Indian local number is locked with a delete warning, remembered after delete, and refused on re-import before anything is created', async () => {
      const number = `+${PLIVO_NUMBERS.inLocal}`;
      const res = await h.importNumber(a.apiKey, 'plivo', { credentials: plivoCreds, number });
      expect(res.status).toBe(201);
      const id = res.body.id as string;
      const got = await h.call('GET', `/voice/phone-numbers/${id}`, { token: a.apiKey });
      expect(got.body).toMatchObject({ locked: { reason: expect.any(String) }, delete_warning: expect.stringMatching(/re-purchase|support/i) });
      expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);

      const pl = fakes.plivo.requests.length;
      const lk = fakes.livekit.requests.length;
      const again = await h.importNumber(a.apiKey, 'plivo', { credentials: plivoCreds, number });
      expect({ status: again.status, code: apiError(again).code }).toEqual({ status: 409, code: 'plivo_india_number_locked' });
      expect(apiError(again).message).toMatch(/re-purchase/);
      expect(apiError(again).message).toMatch(/support/);
      expect(fakes.plivo.requests.slice(pl).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(fakes.livekit.requests.length).toBe(lk);
      expect(await h.countNumbers(a.tenantId)).toBe(0);
    });

    it('an Indian local number Plivo reports bound to a trunk is refused with 409 before anything is created', async () => {
      const pl = fakes.plivo.requests.length;
      const res = await h.importNumber(a.apiKey, 'plivo', { credentials: plivoCreds, number: `+${PLIVO_NUMBERS.inBound}` });
      expect({ status: res.status, code: apiError(res).code }).toEqual({ status: 409, code: 'plivo_india_number_locked' });
      expect(fakes.plivo.requests.slice(pl).filter((r) => r.method !== 'GET')).toEqual([]);
    });

    it('an Indian toll-free number re-imports normally after delete', async () => {
      const number = `+${PLIVO_NUMBERS.inTollFree}`;
      for (let i = 0; i < 2; i++) {
        const res = await h.importNumber(a.apiKey, 'plivo', { credentials: plivoCreds, number });
        expect(res.status).toBe(201);
        expect(res.body.locked).toBeNull();
        expect((await h.call('DELETE', `/voice/phone-numbers/${res.body.id as string}`, { token: a.apiKey })).status).toBe(204);
      }
    });

    it.each([
      [{ auth_id: 'SAXXXXXXXXXXXXXXXXX1', auth_token: 'x' }, 422, 'plivo_subaccount_credentials'],
      [{ auth_id: 'MANOZENTRUNKXXXXXXX3', auth_token: 'plivo-token-nozt' }, 422, 'plivo_zentrunk_required'],
      [{ auth_id: PLIVO.authId, auth_token: 'wrong' }, 422, 'invalid_credentials'],
    ])('refuses %o with %i %s and creates nothing', async (credentials, status, code) => {
      const pl = fakes.plivo.requests.length;
      const res = await h.importNumber(a.apiKey, 'plivo', { credentials, number: `+${PLIVO_NUMBERS.us}` });
      expect({ status: res.status, code: apiError(res).code }).toEqual({ status, code });
      expect(fakes.plivo.requests.slice(pl).filter((r) => r.method !== 'GET')).toEqual([]);
      expect(await h.countNumbers(a.tenantId)).toBe(0);
    });

    it('a failed inbound trunk undoes the credential, URI and outbound trunk', async () => {
      fakes.plivo.failNextTrunk('inbound', { status: 500, body: { error: 'internal' } });
      const res = await h.importNumber(a.apiKey, 'plivo', { credentials: plivoCreds, number: `+${PLIVO_NUMBERS.us}` });
      expect(res.status).toBe(502);
      expect(apiError(res)).toMatchObject({ code: 'provider_unavailable', details: { step: 'plivo.inbound_trunk' } });
      expect([fakes.plivo.trunks(PLIVO.authId), fakes.plivo.uris(PLIVO.authId), fakes.plivo.credentials(PLIVO.authId)]).toEqual([[], [], []]);
      livekitEmpty();
    });
  });

  describe('Exotel', () => {
    const phoneId = (res: { body: Record<string, unknown> }) => res.body.id as string;

    it('import: vSIP trunk with the number and LiveKit as destination, LiveKit trunks and rule, then the ExoPhone VoiceUrl; delete undoes it newest first', async () => {
      const ex = fakes.exotel.requests.length;
      const lk = fakes.livekit.requests.length;
      const res = await h.importNumber(a.apiKey, 'exotel', { credentials: exotelCreds, number: EXOTEL.number });
      expect(res.status).toBe(201);
      const id = phoneId(res);
      expect(res.body).toMatchObject({ provider: 'exotel', webhook_url: `${PUBLIC_BASE_URL}/exotel/incoming/${id}`, inbound: { configured: true, manual_steps: null }, outbound: { enabled: true } });
      const acc = `/v2/accounts/${EXOTEL.sid}`;
      expect(h.requestLines(fakes.exotel, ex)).toEqual([
        `GET /v2_beta/Accounts/${EXOTEL.sid}/IncomingPhoneNumbers`, // preflight
        `POST ${acc}/trunks`,
        `POST ${acc}/trunks/{trunk}/phone-numbers`,
        `POST ${acc}/trunks/{trunk}/destination-uris`,
        `GET /v2_beta/Accounts/${EXOTEL.sid}/IncomingPhoneNumbers/${EXOTEL.exophone}`, // the VoiceUrl to restore on release
        `PUT /v2_beta/Accounts/${EXOTEL.sid}/IncomingPhoneNumbers/${EXOTEL.exophone}`,
      ]);
      expect(h.livekitRpcs(lk)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);
      expect(fakes.exotel.exophone(EXOTEL.sid, EXOTEL.exophone)!.voiceUrl).toBe(`${PUBLIC_BASE_URL}/exotel/incoming/${id}`);

      const ex2 = fakes.exotel.requests.length;
      expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
      expect(h.requestLines(fakes.exotel, ex2)).toEqual([
        // The VoiceUrl had no earlier value to restore (Exotel documents no way to clear it).
        `GET /v2_beta/Accounts/${EXOTEL.sid}/IncomingPhoneNumbers/${EXOTEL.exophone}`,
        `DELETE /v2/accounts/${EXOTEL.sid}/trunks`, // ?trunk_sid=…: removes its number, destination and whitelist
      ]);
      expect(fakes.exotel.trunks(EXOTEL.sid)).toEqual([]);
      livekitEmpty();
    });

    it('a refused VoiceUrl still imports, with inbound not configured and exact manual steps; configure-inbound retries safely', async () => {
      fakes.exotel.failVoiceUrlUpdate(403);
      const res = await h.importNumber(a.apiKey, 'exotel', { credentials: exotelCreds, number: EXOTEL.number });
      expect(res.status).toBe(201);
      const id = phoneId(res);
      const url = `${PUBLIC_BASE_URL}/exotel/incoming/${id}`;
      expect(res.body).toMatchObject({ inbound: { configured: false }, outbound: { enabled: true } });
      const steps = (res.body.inbound as { manual_steps: string }).manual_steps;
      expect(steps).toContain(url);
      expect(steps).toMatch(/Passthru/);
      expect(steps).toMatch(/not the Voicebot/i);

      fakes.exotel.failVoiceUrlUpdate(403);
      const refused = await h.call('POST', `/voice/exotel/byok/configure-inbound/${id}`, { token: a.apiKey });
      expect(refused.status).toBe(200);
      expect(refused.body).toEqual({ configured: false, manual_steps: steps });

      for (let i = 0; i < 2; i++) {
        const ok = await h.call('POST', `/voice/exotel/byok/configure-inbound/${id}`, { token: a.apiKey });
        expect({ status: ok.status, body: ok.body }).toEqual({ status: 200, body: { configured: true } });
      }
      expect(fakes.exotel.exophone(EXOTEL.sid, EXOTEL.exophone)!.voiceUrl).toBe(url);
      expect((await h.call('GET', `/voice/phone-numbers/${id}`, { token: a.apiKey })).body).toMatchObject({ inbound: { configured: true, manual_steps: null } });
      expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
      livekitEmpty();
    });
  });
});

import twilio from 'twilio';
import { FakeTwilio, pointTwilioAt, twilioError } from './twilio.fake';

const AC = 'AC' + 'a'.repeat(32);
const TOKEN = 'token-' + 'b'.repeat(26);
const PN = 'PN' + '1'.repeat(32);
const PN2 = 'PN' + '2'.repeat(32);
const OTHER_AC = 'AC' + 'c'.repeat(32);

describe('FakeTwilio driven by the twilio SDK', () => {
  const fake = new FakeTwilio({
    accounts: [
      {
        sid: AC,
        authToken: TOKEN,
        numbers: [
          { sid: PN, phoneNumber: '+14155550100', friendlyName: 'Main line' },
          { sid: PN2, phoneNumber: '+14155550101', friendlyName: 'Support' },
        ],
      },
      { sid: OTHER_AC, authToken: 'other-token', numbers: [{ sid: 'PN' + '9'.repeat(32), phoneNumber: '+14155550199' }] },
    ],
  });
  const client = () => pointTwilioAt(twilio(AC, TOKEN), fake.url);

  beforeAll(() => fake.start());
  afterAll(() => fake.stop());

  it('points both SDK domains at the fake', () => {
    const c = client();
    expect(c.api.baseUrl).toBe(fake.url);
    expect(c.trunking.baseUrl).toBe(fake.url);
  });

  it('fetches the account with valid credentials, sending HTTP Basic AC:token', async () => {
    const account = await client().api.v2010.accounts(AC).fetch();
    expect(account).toMatchObject({ sid: AC, status: 'active' });
    const [req] = fake.requestsTo('GET', new RegExp(`^/2010-04-01/Accounts/${AC}\\.json$`)).slice(-1);
    expect(req!.headers.authorization).toBe(`Basic ${Buffer.from(`${AC}:${TOKEN}`).toString('base64')}`);
  });

  it('rejects a wrong auth token with 401 / 20003, as the SDK surfaces it', async () => {
    await expect(pointTwilioAt(twilio(AC, 'wrong-token'), fake.url).api.v2010.accounts(AC).fetch()).rejects.toMatchObject({
      status: 401,
      code: 20003,
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });
  });

  it("does not let one account read another account's numbers", async () => {
    await expect(client().api.v2010.accounts(OTHER_AC).incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 401 });
  });

  it("lists only the account's numbers, following next_page_uri across pages", async () => {
    const numbers = await client().incomingPhoneNumbers.list({ pageSize: 1 });
    expect(numbers.map((n) => [n.sid, n.phoneNumber, n.friendlyName])).toEqual([
      [PN, '+14155550100', 'Main line'],
      [PN2, '+14155550101', 'Support'],
    ]);
    const pages = fake.requestsTo('GET', /\/IncomingPhoneNumbers\.json$/).slice(-2);
    expect(pages.map((r) => [r.query.PageSize, r.query.Page ?? '0'])).toEqual([
      ['1', '0'],
      ['1', '1'],
    ]);
  });

  it('filters the number list by PhoneNumber', async () => {
    const numbers = await client().incomingPhoneNumbers.list({ phoneNumber: '+14155550101' });
    expect(numbers.map((n) => n.sid)).toEqual([PN2]);
  });

  it("updates a number's voice URL with PascalCase form fields and reads it back", async () => {
    const updated = await client().incomingPhoneNumbers(PN).update({
      voiceUrl: 'https://hooks.example.com/twilio/voice',
      voiceMethod: 'POST',
      statusCallback: 'https://hooks.example.com/twilio/status',
      statusCallbackMethod: 'POST',
    });
    expect(updated).toMatchObject({ sid: PN, voiceUrl: 'https://hooks.example.com/twilio/voice', statusCallback: 'https://hooks.example.com/twilio/status' });
    const [req] = fake.requestsTo('POST', new RegExp(`^/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/${PN}\\.json$`)).slice(-1);
    expect(req!.body).toEqual({
      VoiceUrl: 'https://hooks.example.com/twilio/voice',
      VoiceMethod: 'POST',
      StatusCallback: 'https://hooks.example.com/twilio/status',
      StatusCallbackMethod: 'POST',
    });
    expect(fake.numbers.get(PN)!.voiceUrl).toBe('https://hooks.example.com/twilio/voice');
    expect((await client().incomingPhoneNumbers(PN).fetch()).voiceUrl).toBe('https://hooks.example.com/twilio/voice');
  });

  it('answers a Twilio error to the next number update after failVoiceUrlUpdate, then recovers', async () => {
    fake.failVoiceUrlUpdate();
    await expect(client().incomingPhoneNumbers(PN2).update({ voiceUrl: 'https://a.example.com/v' })).rejects.toMatchObject({ status: 400, code: 21402 });
    expect(fake.numbers.get(PN2)!.voiceUrl).toBeNull();
    await client().incomingPhoneNumbers(PN2).update({ voiceUrl: 'https://a.example.com/v' });
    expect(fake.numbers.get(PN2)!.voiceUrl).toBe('https://a.example.com/v');
  });

  it('creates a SIP credential list and a credential without echoing the password', async () => {
    const c = client();
    const list = await c.sip.credentialLists.create({ friendlyName: 'livekit-outbound' });
    expect(list.sid).toMatch(/^CL[0-9a-f]{32}$/);
    const cred = await c.sip.credentialLists(list.sid).credentials.create({ username: 'lk_user', password: 'S3cretPassword99' });
    expect(cred).toMatchObject({ username: 'lk_user', credentialListSid: list.sid });
    const [req] = fake.requestsTo('POST', new RegExp(`^/2010-04-01/Accounts/${AC}/SIP/CredentialLists/${list.sid}/Credentials\\.json$`));
    expect(req!.body).toEqual({ Username: 'lk_user', Password: 'S3cretPassword99' });
    expect(JSON.stringify(cred.toJSON())).not.toContain('S3cretPassword99');
    expect(fake.credentialLists.get(list.sid)!.credentials).toEqual([{ sid: cred.sid, username: 'lk_user', password: 'S3cretPassword99' }]);

    expect(await c.sip.credentialLists(list.sid).remove()).toBe(true);
    expect(fake.credentialLists.has(list.sid)).toBe(false);
  });

  it('deletes one credential from a list with DELETE …/Credentials/{CR}.json, then answers 404 for it', async () => {
    const c = client();
    const list = await c.sip.credentialLists.create({ friendlyName: 'to-empty' });
    const keep = await c.sip.credentialLists(list.sid).credentials.create({ username: 'keep', password: 'KeepPassword123' });
    const gone = await c.sip.credentialLists(list.sid).credentials.create({ username: 'gone', password: 'GonePassword123' });

    expect(await c.sip.credentialLists(list.sid).credentials(gone.sid).remove()).toBe(true);
    const [req] = fake.requestsTo('DELETE', new RegExp(`/SIP/CredentialLists/${list.sid}/Credentials/${gone.sid}\\.json$`));
    expect(req!.path).toBe(`/2010-04-01/Accounts/${AC}/SIP/CredentialLists/${list.sid}/Credentials/${gone.sid}.json`);
    expect(fake.credentialLists.get(list.sid)!.credentials.map((x) => x.sid)).toEqual([keep.sid]);

    await expect(c.sip.credentialLists(list.sid).credentials(gone.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });
    await expect(pointTwilioAt(twilio(OTHER_AC, 'other-token'), fake.url).sip.credentialLists(list.sid).credentials(keep.sid).remove()).rejects.toMatchObject({
      status: 404,
    });
    expect(fake.credentialLists.get(list.sid)!.credentials).toHaveLength(1);
  });

  it('removes a trunk association and an origination URL, answering 404 once they are gone', async () => {
    const c = client();
    const list = await c.sip.credentialLists.create({ friendlyName: 'assoc' });
    const trunk = await c.trunking.v1.trunks.create({ friendlyName: 'assoc', domainName: 'assoc-test.pstn.twilio.com' });
    await c.trunking.v1.trunks(trunk.sid).credentialsLists.create({ credentialListSid: list.sid });
    const ou = await c.trunking.v1.trunks(trunk.sid).originationUrls.create({ friendlyName: 'lk', sipUrl: 'sip:lk.example.com', priority: 10, weight: 10, enabled: true });

    expect(await c.trunking.v1.trunks(trunk.sid).credentialsLists(list.sid).remove()).toBe(true);
    expect(await c.trunking.v1.trunks(trunk.sid).originationUrls(ou.sid).remove()).toBe(true);
    expect(fake.trunks.get(trunk.sid)).toMatchObject({ credentialListSids: [], originationUrls: [] });
    // The list itself stays: only the association is removed.
    expect(fake.credentialLists.has(list.sid)).toBe(true);

    await expect(c.trunking.v1.trunks(trunk.sid).credentialsLists(list.sid).remove()).rejects.toMatchObject({ status: 404 });
    await expect(c.trunking.v1.trunks(trunk.sid).originationUrls(ou.sid).remove()).rejects.toMatchObject({ status: 404 });
    await c.trunking.v1.trunks(trunk.sid).remove();
    await expect(c.trunking.v1.trunks(trunk.sid).remove()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('builds an Elastic SIP trunk: origination URL, credential list and number attached', async () => {
    const c = client();
    const list = await c.sip.credentialLists.create({ friendlyName: 'trunk-auth' });
    const trunk = await c.trunking.v1.trunks.create({ friendlyName: 'livekit', domainName: 'acme-lk.pstn.twilio.com' });
    await c.trunking.v1.trunks(trunk.sid).originationUrls.create({
      friendlyName: 'livekit-sip',
      sipUrl: 'sip:abc.sip.livekit.cloud;transport=tcp',
      priority: 10,
      weight: 10,
      enabled: true,
    });
    await c.trunking.v1.trunks(trunk.sid).credentialsLists.create({ credentialListSid: list.sid });
    const attached = await c.trunking.v1.trunks(trunk.sid).phoneNumbers.create({ phoneNumberSid: PN });
    expect(attached).toMatchObject({ sid: PN, trunkSid: trunk.sid });

    expect(fake.requestsTo('POST', /^\/v1\/Trunks$/).at(-1)!.body).toEqual({ FriendlyName: 'livekit', DomainName: 'acme-lk.pstn.twilio.com' });
    expect(fake.requestsTo('POST', new RegExp(`^/v1/Trunks/${trunk.sid}/OriginationUrls$`))[0]!.body).toEqual({
      FriendlyName: 'livekit-sip',
      SipUrl: 'sip:abc.sip.livekit.cloud;transport=tcp',
      Priority: '10',
      Weight: '10',
      Enabled: 'true',
    });
    expect(fake.requestsTo('POST', new RegExp(`^/v1/Trunks/${trunk.sid}/CredentialLists$`))[0]!.body).toEqual({ CredentialListSid: list.sid });
    expect(fake.requestsTo('POST', new RegExp(`^/v1/Trunks/${trunk.sid}/PhoneNumbers$`))[0]!.body).toEqual({ PhoneNumberSid: PN });

    expect(fake.trunks.get(trunk.sid)).toMatchObject({
      accountSid: AC,
      domainName: 'acme-lk.pstn.twilio.com',
      originationUrls: [{ sipUrl: 'sip:abc.sip.livekit.cloud;transport=tcp', priority: 10, weight: 10, enabled: true }],
      credentialListSids: [list.sid],
      phoneNumberSids: [PN],
    });
    expect(fake.numbers.get(PN)!.trunkSid).toBe(trunk.sid);

    const fetched = await c.trunking.v1.trunks(trunk.sid).fetch();
    expect(fetched).toMatchObject({ sid: trunk.sid, domainName: 'acme-lk.pstn.twilio.com', authTypeSet: ['CREDENTIAL_LIST'] });
    const urls = await c.trunking.v1.trunks(trunk.sid).originationUrls.list();
    expect(urls.map((u) => u.sipUrl)).toEqual(['sip:abc.sip.livekit.cloud;transport=tcp']);
    expect((await c.trunking.v1.trunks(trunk.sid).phoneNumbers.list()).map((n) => n.sid)).toEqual([PN]);

    expect(await c.trunking.v1.trunks(trunk.sid).remove()).toBe(true);
    expect(fake.trunks.has(trunk.sid)).toBe(false);
    expect(fake.numbers.get(PN)!.trunkSid).toBeNull();
    await expect(c.trunking.v1.trunks(trunk.sid).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('rejects a trunk domain outside pstn.twilio.com and a number of another account', async () => {
    const c = client();
    await expect(c.trunking.v1.trunks.create({ friendlyName: 'x', domainName: 'acme.example.com' })).rejects.toMatchObject({ status: 400 });
    const trunk = await c.trunking.v1.trunks.create({ friendlyName: 'y' });
    await expect(c.trunking.v1.trunks(trunk.sid).phoneNumbers.create({ phoneNumberSid: 'PN' + '9'.repeat(32) })).rejects.toMatchObject({ status: 400 });
    expect(fake.trunks.get(trunk.sid)!.phoneNumberSids).toEqual([]);
  });

  it('surfaces an injected 500 as a rejection carrying Twilio error fields', async () => {
    fake.failNext({ method: 'GET', path: /\/IncomingPhoneNumbers\.json$/ }, twilioError(500, 20500, 'Internal Server Error'));
    await expect(client().incomingPhoneNumbers.list()).rejects.toMatchObject({ status: 500, code: 20500 });
    await expect(client().incomingPhoneNumbers.list()).resolves.toHaveLength(2);
  });

  it('lets a request hang so the SDK times out', async () => {
    fake.failNext({ method: 'GET', path: new RegExp(`^/2010-04-01/Accounts/${AC}\\.json$`) }, 'timeout');
    const c = pointTwilioAt(twilio(AC, TOKEN, { timeout: 200 }), fake.url);
    await expect(c.api.v2010.accounts(AC).fetch()).rejects.toThrow(/timeout/i);
  });
});

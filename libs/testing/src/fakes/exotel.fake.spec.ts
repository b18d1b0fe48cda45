import axios, { type AxiosInstance } from 'axios';
import { FakeExotel } from './exotel.fake';

const SID = 'acme1';
const auth = { username: 'key1', password: 'token1' };

describe('FakeExotel', () => {
  const fake = new FakeExotel({
    accounts: [
      { sid: SID, apiKey: 'key1', apiToken: 'token1', exophones: [{ sid: 'exo1', phoneNumber: '09513886363', friendlyName: 'Sales' }] },
      { sid: 'other', apiKey: 'key2', apiToken: 'token2' },
    ],
  });
  let http: AxiosInstance;
  beforeAll(async () => {
    await fake.start();
    http = axios.create({ baseURL: fake.url, auth, validateStatus: () => true });
  });
  afterAll(() => fake.stop());

  const form = (fields: Record<string, string>) => new URLSearchParams(fields);
  const data = (res: { data: { response: { data: Record<string, unknown> } } }) => res.data.response.data;
  const items = (res: { data: { response: Array<{ data: Record<string, unknown> }> } }) => res.data.response.map((r) => r.data);

  describe('ExoPhones', () => {
    it('lists the account’s ExoPhones in Exotel’s shape, 0-prefixed as configured', async () => {
      const res = await http.get(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers`);
      expect(res.status).toBe(200);
      expect(res.data.incoming_phone_numbers).toEqual([
        expect.objectContaining({ sid: 'exo1', phone_number: '09513886363', friendly_name: 'Sales', voice_url: null }),
      ]);
      expect((await http.get(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers.json`)).data.incoming_phone_numbers).toHaveLength(1);
    });

    it('sets VoiceUrl with a form PUT and reads it back', async () => {
      const url = 'https://voice.example.com/exotel/inbound';
      const put = await http.put(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo1`, form({ VoiceUrl: url }));
      expect(put.status).toBe(200);
      expect(put.data.voice_url).toBe(url);
      expect(fake.requestsTo('PUT', /IncomingPhoneNumbers\/exo1$/).at(-1)?.body).toEqual({ VoiceUrl: url });
      const got = await http.get(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo1`);
      expect(got.data.voice_url).toBe(url);
      expect(fake.exophone(SID, 'exo1')?.voiceUrl).toBe(url);
    });

    it('refuses a VoiceUrl that is not a URL, and an unknown ExoPhone', async () => {
      expect((await http.put(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo1`, form({ VoiceUrl: 'not a url' }))).status).toBe(400);
      expect((await http.put(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/nope`, form({ VoiceUrl: 'https://x.test/' }))).status).toBe(404);
    });

    it('failVoiceUrlUpdate makes the next update fail without changing the number', async () => {
      const before = fake.exophone(SID, 'exo1')?.voiceUrl;
      fake.failVoiceUrlUpdate(403);
      const failed = await http.put(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo1`, form({ VoiceUrl: 'https://new.example.com/' }));
      expect(failed.status).toBe(403);
      expect(failed.data.RestException.Status).toBe(403);
      expect(fake.exophone(SID, 'exo1')?.voiceUrl).toBe(before);
      const next = await http.put(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo1`, form({ VoiceUrl: 'https://new.example.com/' }));
      expect(next.status).toBe(200);
      expect(fake.exophone(SID, 'exo1')?.voiceUrl).toBe('https://new.example.com/');
    });

    it('answers 401 to wrong credentials and to another account’s credentials', async () => {
      expect((await http.get(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers`, { auth: { username: 'key1', password: 'wrong' } })).status).toBe(401);
      expect((await http.get(`/v2_beta/Accounts/${SID}/IncomingPhoneNumbers`, { auth: { username: 'key2', password: 'token2' } })).status).toBe(401);
      const noAuth = await axios.put(`${fake.url}/v2_beta/Accounts/${SID}/IncomingPhoneNumbers/exo1`, form({ VoiceUrl: 'https://evil.test/' }), { validateStatus: () => true });
      expect(noAuth.status).toBe(401);
      expect(fake.exophone(SID, 'exo1')?.voiceUrl).not.toBe('https://evil.test/');
    });
  });

  describe('Call Details', () => {
    const details = (callSid: string, opts: { sid?: string; auth?: { username: string; password: string } } = {}) =>
      http.get(`/v1/Accounts/${opts.sid ?? SID}/Calls/${callSid}.json`, opts.auth ? { auth: opts.auth } : {});

    it('reports a registered call in Exotel’s shape, numbers as registered', async () => {
      fake.addCall({ account: SID, sid: 'c0ffee00c0ffee00c0ffee00c0ffee01', from: '09876543210', to: '09513886363', status: 'in-progress' });
      const res = await details('c0ffee00c0ffee00c0ffee00c0ffee01');
      expect(res.status).toBe(200);
      expect(res.data.Call).toMatchObject({
        Sid: 'c0ffee00c0ffee00c0ffee00c0ffee01',
        AccountSid: SID,
        From: '09876543210',
        To: '09513886363',
        Status: 'in-progress',
        Direction: 'inbound',
        EndTime: null,
      });
      expect(fake.callLookups('c0ffee00c0ffee00c0ffee00c0ffee01')).toHaveLength(1);
    });

    it('addCall again changes the call (its status moves on)', async () => {
      fake.addCall({ account: SID, sid: 'c0ffee00c0ffee00c0ffee00c0ffee02', from: '09876543210', to: '09513886363', status: 'ringing' });
      fake.addCall({ account: SID, sid: 'c0ffee00c0ffee00c0ffee00c0ffee02', from: '09876543210', to: '09513886363', status: 'completed' });
      expect((await details('c0ffee00c0ffee00c0ffee00c0ffee02')).data.Call).toMatchObject({ Status: 'completed', Duration: '60' });
    });

    it('answers 404 for a call that is not on the account, including another account’s call', async () => {
      fake.addCall({ account: 'other', sid: 'c0ffee00c0ffee00c0ffee00c0ffee03', from: '09876543210', to: '09513886363', status: 'completed' });
      const unknown = await details('c0ffee00c0ffee00c0ffee00c0ffeeff');
      expect(unknown.status).toBe(404);
      expect(unknown.data.RestException.Status).toBe(404);
      expect((await details('c0ffee00c0ffee00c0ffee00c0ffee03')).status).toBe(404);
      expect((await details('c0ffee00c0ffee00c0ffee00c0ffee03', { sid: 'other', auth: { username: 'key2', password: 'token2' } })).status).toBe(200);
    });

    it('answers 401 to wrong credentials, even for a call that exists', async () => {
      fake.addCall({ account: SID, sid: 'c0ffee00c0ffee00c0ffee00c0ffee04', from: '09876543210', to: '09513886363', status: 'completed' });
      expect((await details('c0ffee00c0ffee00c0ffee00c0ffee04', { auth: { username: 'key1', password: 'wrong' } })).status).toBe(401);
      expect((await details('c0ffee00c0ffee00c0ffee00c0ffee04', { auth: { username: 'key2', password: 'token2' } })).status).toBe(401);
    });

    it('refuses a call on an account it does not know', () => {
      expect(() => fake.addCall({ account: 'nobody', sid: 'x', from: '1', to: '2', status: 'completed' })).toThrow(/no account nobody/);
    });
  });

  describe('vSIP trunks', () => {
    const trunks = `/v2/accounts/${SID}/trunks`;
    const create = (trunk_name: string) => http.post(trunks, { trunk_name, nso_code: 'ANY-ANY', domain_name: `${SID}.pstn.exotel.com` });

    it.each(['agent-trunk', 'seventeen_chars_x', '', 'sp ace'])('refuses trunk_name %p', async (name) => {
      const res = await create(name);
      expect(res.status).toBe(400);
      expect(res.data.response.status).toBe('failure');
      expect(fake.trunks(SID)).toHaveLength(0);
    });

    it('creates a trunk, maps a number, whitelists an IP, sets a destination, reads it all back, then deletes it', async () => {
      const created = await create('agent_trunk_16ch');
      expect(created.status).toBe(200);
      const tsid = data(created).trunk_sid as string;
      expect(tsid).toMatch(/^tr/);
      expect(data(created)).toMatchObject({ trunk_name: 'agent_trunk_16ch', domain_name: `${SID}.pstn.exotel.com` });
      expect((await create('agent_trunk_16ch')).status).toBe(409);

      expect((await http.post(`${trunks}/${tsid}/phone-numbers`, { phone_number: '+919999999999', mode: 'pstn' })).status).toBe(400);
      expect((await http.post(`${trunks}/${tsid}/phone-numbers`, { phone_number: '+919513886363', mode: 'sideways' })).status).toBe(400);
      const num = await http.post(`${trunks}/${tsid}/phone-numbers`, { phone_number: '+919513886363', mode: 'flow' });
      expect(num.status).toBe(200);
      expect(data(num)).toMatchObject({ phone_number: '+919513886363', mode: 'flow', trunk_sid: tsid });

      expect((await http.post(`${trunks}/${tsid}/whitelisted-ips`, { ip: '300.1.1.1', mask: 32 })).status).toBe(400);
      expect((await http.post(`${trunks}/${tsid}/whitelisted-ips`, { ip: '203.0.113.7', mask: 32 })).status).toBe(200);

      expect((await http.post(`${trunks}/${tsid}/destination-uris`, { destinations: [] })).status).toBe(400);
      const dest = await http.post(`${trunks}/${tsid}/destination-uris`, { destinations: [{ destination: 'sip.livekit.test:5061;transport=tls' }] });
      expect(dest.status).toBe(200);

      expect(items(await http.get(`${trunks}/${tsid}/phone-numbers`))).toEqual([expect.objectContaining({ phone_number: '+919513886363', mode: 'flow' })]);
      expect(items(await http.get(`${trunks}/${tsid}/whitelisted-ips`))).toEqual([expect.objectContaining({ ip: '203.0.113.7', mask: 32 })]);
      expect(items(await http.get(`${trunks}/${tsid}/destination-uris`))).toEqual([
        expect.objectContaining({ destination: 'sip:sip.livekit.test:5061;transport=tls' }),
      ]);
      expect(items(await http.get(trunks)).map((t) => t.trunk_sid)).toEqual([tsid]);
      expect(fake.trunks(SID)[0]).toMatchObject({ trunkSid: tsid, phoneNumbers: [{ mode: 'flow' }], whitelistedIps: [{ ip: '203.0.113.7' }] });

      const dup = await http.post(`${trunks}/${tsid}/phone-numbers`, { phone_number: '+919513886363', mode: 'pstn' });
      expect(dup.status).toBe(200);
      expect(dup.data.response).toMatchObject({ code: 409, status: 'failure' });
      expect(fake.trunks(SID)[0]!.phoneNumbers).toHaveLength(1);

      expect((await http.delete(trunks)).status).toBe(400);
      expect((await http.delete(`${trunks}?trunk_sid=trnope`)).status).toBe(404);
      const deleted = await http.delete(`${trunks}?trunk_sid=${tsid}`);
      expect(deleted.status).toBe(200);
      expect(data(deleted)).toMatchObject({ trunk_sid: tsid });
      expect((await http.delete(`${trunks}?trunk_sid=${tsid}`)).status).toBe(404);
      expect((await http.get(`${trunks}/${tsid}`)).status).toBe(404);
      expect((await http.post(`${trunks}/${tsid}/whitelisted-ips`, { ip: '203.0.113.8', mask: 32 })).status).toBe(404);
      expect(fake.trunks(SID)).toHaveLength(0);
    });

    it('answers 401 to wrong credentials on every trunk call, changing nothing', async () => {
      const bad = { auth: { username: 'key1', password: 'nope' } };
      expect((await http.post(trunks, { trunk_name: 'x', nso_code: 'ANY-ANY', domain_name: 'd' }, bad)).status).toBe(401);
      expect((await http.get(trunks, bad)).status).toBe(401);
      const kept = await create('kept_trunk');
      expect((await http.delete(`${trunks}?trunk_sid=${data(kept).trunk_sid as string}`, bad)).status).toBe(401);
      expect(fake.trunks(SID).map((t) => t.trunkName)).toEqual(['kept_trunk']);
      await http.delete(`${trunks}?trunk_sid=${data(kept).trunk_sid as string}`);
      expect((await http.post(`/v2/accounts/other/trunks`, { trunk_name: 'x', nso_code: 'ANY-ANY', domain_name: 'd' })).status).toBe(401);
      expect(fake.trunks(SID)).toHaveLength(0);
      expect(fake.trunks('other')).toHaveLength(0);
    });

    it('passes an injected 503 through once, then answers normally', async () => {
      fake.failNext({ method: 'POST', path: /\/trunks$/ }, { status: 503, body: { error: 'unavailable' } });
      expect((await create('retry_me')).status).toBe(503);
      expect(fake.trunks(SID)).toHaveLength(0);
      expect((await create('retry_me')).status).toBe(200);
      expect(fake.trunks(SID).map((t) => t.trunkName)).toEqual(['retry_me']);
    });
  });
});

import axios, { type AxiosInstance } from 'axios';
import { FakeVobiz } from './vobiz.fake';

const AUTH_ID = 'MA_TEST01';
const NUMBER = '+918071387000';

describe('FakeVobiz', () => {
  const fake = new FakeVobiz({
    accounts: [
      { authId: AUTH_ID, authToken: 'tok1', numbers: [NUMBER] },
      { authId: 'MA_OTHER', authToken: 'tok2' },
    ],
  });
  let http: AxiosInstance;
  const base = `/api/v1/Account/${AUTH_ID}`;
  beforeAll(async () => {
    await fake.start();
    http = axios.create({ baseURL: fake.url, headers: { 'X-Auth-ID': AUTH_ID, 'X-Auth-Token': 'tok1' }, validateStatus: () => true });
  });
  afterAll(() => fake.stop());

  it('creates a trunk with its sip.vobiz.ai domain, attaches an origination URI, assigns a number and reads the state back', async () => {
    const created = await http.post(`${base}/trunks`, { name: 'agent inbound', trunk_direction: 'inbound' });
    expect(created.status).toBe(201);
    const trunkId = created.data.trunk_id as string;
    expect(created.data.trunk_domain).toBe(`${trunkId}.sip.vobiz.ai`);

    expect((await http.post(`${base}/origination-uris`, { uri: 'livekit.test:5060', priority: 1 })).status).toBe(400);
    const uri = await http.post(`${base}/origination-uris`, { name: 'LiveKit', uri: 'sip:livekit.test:5060;transport=tcp', priority: 1, weight: 10 });
    expect(uri.status).toBe(201);
    const uriId = uri.data.uri_id as string;

    expect((await http.put(`${base}/trunks/${trunkId}`, { primary_uri_uuid: 'no-such-uri' })).status).toBe(400);
    const updated = await http.put(`${base}/trunks/${trunkId}`, { primary_uri_uuid: uriId });
    expect(updated.status).toBe(200);
    expect(updated.data.primary_uri_uuid).toBe(uriId);

    expect((await http.post(`${base}/numbers/${encodeURIComponent(NUMBER)}/assign`, { trunk_group_id: 'nope' })).status).toBe(404);
    expect((await http.post(`${base}/numbers/${encodeURIComponent('+919999999999')}/assign`, { trunk_group_id: trunkId })).status).toBe(404);
    const assigned = await http.post(`${base}/numbers/${encodeURIComponent(NUMBER)}/assign`, { trunk_group_id: trunkId });
    expect(assigned.status).toBe(200);

    const got = await http.get(`${base}/trunks/${trunkId}`);
    expect(got.data).toMatchObject({ trunk_id: trunkId, name: 'agent inbound', trunk_direction: 'inbound', primary_uri_uuid: uriId });
    expect((await http.get(`${base}/trunks/origination-uris`)).data.objects).toEqual([
      expect.objectContaining({ uri_id: uriId, uri: 'sip:livekit.test:5060;transport=tcp', priority: 1 }),
    ]);
    expect((await http.get(`${base}/trunks`)).data).toMatchObject({ meta: { total: 1 }, objects: [{ trunk_id: trunkId }] });
    expect((await http.get(`${base}/numbers`)).data.objects).toEqual([{ number: NUMBER, trunk_group_id: trunkId }]);
    expect(fake.numberTrunk(AUTH_ID, '918071387000')).toBe(trunkId);

    // A URI in use can't go; deleting the trunk releases its number.
    expect((await http.delete(`${base}/origination-uris/${uriId}`)).status).toBe(409);
    expect((await http.delete(`${base}/trunks/${trunkId}`)).status).toBe(204);
    expect((await http.get(`${base}/trunks/${trunkId}`)).status).toBe(404);
    expect(fake.numberTrunk(AUTH_ID, NUMBER)).toBeNull();
    expect((await http.delete(`${base}/origination-uris/${uriId}`)).status).toBe(204);
    expect(fake.originationUris(AUTH_ID)).toHaveLength(0);
  });

  it('refuses a trunk without a name or with an unknown direction', async () => {
    expect((await http.post(`${base}/trunks`, { trunk_direction: 'inbound' })).status).toBe(400);
    expect((await http.post(`${base}/trunks`, { name: 't', trunk_direction: 'sideways' })).status).toBe(400);
    expect(fake.trunks(AUTH_ID)).toHaveLength(0);
  });

  it('answers 401 to a wrong token, missing headers, or another account’s credentials, changing nothing', async () => {
    expect((await http.post(`${base}/trunks`, { name: 't' }, { headers: { 'X-Auth-Token': 'wrong' } })).status).toBe(401);
    expect((await http.get(`${base}/trunks`, { headers: { 'X-Auth-ID': 'MA_OTHER', 'X-Auth-Token': 'tok2' } })).status).toBe(401);
    const bare = await axios.post(`${fake.url}${base}/numbers/${encodeURIComponent(NUMBER)}/assign`, { trunk_group_id: 'x' }, { validateStatus: () => true });
    expect(bare.status).toBe(401);
    expect((await http.post(`${base}/origination-uris`, { uri: 'sip:a.test' }, { headers: { 'X-Auth-Token': 'wrong' } })).status).toBe(401);
    expect(fake.trunks(AUTH_ID)).toHaveLength(0);
    expect(fake.originationUris(AUTH_ID)).toHaveLength(0);
  });

  it('passes an injected 503 through once, then answers normally', async () => {
    fake.failNext({ method: 'POST', path: /\/trunks$/ }, { status: 503, body: { error: 'unavailable' } });
    expect((await http.post(`${base}/trunks`, { name: 'retry' })).status).toBe(503);
    expect(fake.trunks(AUTH_ID)).toHaveLength(0);
    expect((await http.post(`${base}/trunks`, { name: 'retry' })).status).toBe(201);
    expect(fake.trunks(AUTH_ID).map((t) => t.name)).toEqual(['retry']);
  });
});

import axios, { type AxiosInstance } from 'axios';
import * as plivo from 'plivo';
import { FakePlivo } from './plivo.fake';

const MAIN = { authId: 'MAZDQ1ZTA2NDY3MTUXNT', authToken: 'main-token' };
const SUB = { authId: 'SAYTI3MWE0ZDA4NTQ2NJ', authToken: 'sub-token' };
const US = '14155550100';
const IN_LOCAL = '918046000100';

describe('FakePlivo', () => {
  let fake: FakePlivo;

  /** The way our adapter will call Plivo: its own axios client, Basic auth, JSON, statuses checked by the caller. */
  const client = (auth: { authId: string; authToken: string }, authId = auth.authId): AxiosInstance =>
    axios.create({
      baseURL: `${fake.url}/v1/Account/${authId}/`,
      auth: { username: auth.authId, password: auth.authToken },
      validateStatus: () => true,
    });

  beforeEach(async () => {
    fake = new FakePlivo({
      accounts: [
        {
          ...MAIN,
          zentrunk: true,
          numbers: [
            { number: US, country: 'US', type: 'local' },
            { number: '14155550101', country: 'US', type: 'tollfree' },
            { number: IN_LOCAL, country: 'IN', type: 'local', boundTrunkId: '99999999999999' },
          ],
        },
        { ...SUB, parentAuthId: MAIN.authId, zentrunk: false, numbers: [{ number: '919900000001', country: 'IN', type: 'mobile' }] },
      ],
    });
    await fake.start();
  });
  afterEach(() => fake.stop());

  it('answers account details for a main account and says when the account is a subaccount', async () => {
    const main = await client(MAIN).get('');
    expect(main.status).toBe(200);
    expect(main.data).toMatchObject({ auth_id: MAIN.authId, account_type: 'standard', resource_uri: `/v1/Account/${MAIN.authId}/` });
    const sub = await client(SUB).get('');
    expect(sub.status).toBe(200);
    expect(sub.data).toMatchObject({ auth_id: SUB.authId, account_type: 'subaccount', account: `/v1/Account/${MAIN.authId}/` });
  });

  it('answers 401 to a wrong token, a missing Authorization header, and one account\'s credentials on another\'s path', async () => {
    expect((await client({ ...MAIN, authToken: 'wrong' }).get('')).status).toBe(401);
    expect((await axios.get(`${fake.url}/v1/Account/${MAIN.authId}/Number/`, { validateStatus: () => true })).status).toBe(401);
    const crossed = await client(SUB, MAIN.authId).get('Number/');
    expect(crossed.status).toBe(401);
    expect(crossed.data).toHaveProperty('error');
  });

  it('lists numbers in Plivo\'s paged shape, without "+", and fetches one by number with or without "+"', async () => {
    const all = await client(MAIN).get('Number/');
    expect(all.status).toBe(200);
    expect(all.data.meta).toMatchObject({ limit: 20, offset: 0, total_count: 3, next: null });
    expect(all.data.objects.map((n: { number: string }) => n.number)).toEqual([US, '14155550101', IN_LOCAL]);

    const first = await client(MAIN).get('Number/', { params: { limit: 2, offset: 0 } });
    expect(first.data.objects).toHaveLength(2);
    expect(first.data.meta.next).toBe(`/v1/Account/${MAIN.authId}/Number/?limit=2&offset=2`);

    const one = await client(MAIN).get(`Number/${encodeURIComponent(`+${IN_LOCAL}`)}/`);
    expect(one.data).toMatchObject({ number: IN_LOCAL, number_type: 'local', app_id: '99999999999999' });
    expect((await client(MAIN).get('Number/15550000000/')).status).toBe(404);
    // A subaccount sees only its own numbers.
    expect((await client(SUB).get('Number/')).data.objects.map((n: { number: string }) => n.number)).toEqual(['919900000001']);
  });

  it('creates a credential, a URI, outbound and inbound trunks, binds a number, then deletes in reverse order', async () => {
    const api = client(MAIN);
    const cred = await api.post('Zentrunk/Credential/', { name: 'agent-out', username: 'lk_user', password: 'S3cret-pass!' });
    expect(cred.status).toBe(201);
    const uri = await api.post('Zentrunk/URI/', { name: 'livekit', uri: 'sip.livekit.example.com;transport=tcp' });
    expect(uri.status).toBe(201);
    const out = await api.post('Zentrunk/Trunk/', { name: 'out', trunk_direction: 'outbound', credential_uuid: cred.data.credential_uuid });
    const inbound = await api.post('Zentrunk/Trunk/', { name: 'in', trunk_direction: 'inbound', primary_uri_uuid: uri.data.uri_uuid });
    expect([out.status, inbound.status]).toEqual([201, 201]);
    const outId: string = out.data.trunk_id;
    const inId: string = inbound.data.trunk_id;
    expect(outId).not.toBe(inId);

    expect((await api.get(`Zentrunk/Trunk/${outId}/`)).data).toMatchObject({
      trunk_direction: 'outbound',
      trunk_domain: `${outId}.zt.plivo.com`,
      credential_uuid: cred.data.credential_uuid,
    });
    expect((await api.get(`Zentrunk/URI/${uri.data.uri_uuid}/`)).data).toMatchObject({ uri: 'sip.livekit.example.com;transport=tcp' });
    // A number cannot be attached to an outbound trunk.
    expect((await api.post(`Number/${US}/`, { app_id: outId })).status).toBe(400);

    const bind = await api.post(`Number/+${US}/`, { app_id: inId });
    expect(bind.status).toBe(202);
    expect((await api.get(`Number/${US}/`)).data.app_id).toBe(inId);
    expect(fake.number(MAIN.authId, US)?.boundTrunkId).toBe(inId);

    // Deleting out of order is refused while something uses the resource.
    expect((await api.delete(`Zentrunk/Trunk/${inId}/`)).status).toBe(400);
    expect((await api.delete(`Zentrunk/URI/${uri.data.uri_uuid}/`)).status).toBe(400);

    expect((await api.post(`Number/${US}/`, { app_id: '' })).status).toBe(202);
    expect(fake.number(MAIN.authId, US)?.boundTrunkId).toBeUndefined();
    for (const path of [`Zentrunk/Trunk/${inId}/`, `Zentrunk/Trunk/${outId}/`, `Zentrunk/URI/${uri.data.uri_uuid}/`, `Zentrunk/Credential/${cred.data.credential_uuid}/`]) {
      expect((await api.delete(path)).status).toBe(204);
    }
    expect([fake.trunks(MAIN.authId), fake.uris(MAIN.authId), fake.credentials(MAIN.authId)]).toEqual([[], [], []]);
    expect((await api.get(`Zentrunk/Trunk/${inId}/`)).status).toBe(404);
  });

  it('accepts the older object_type/object_id form for binding and unbinding', async () => {
    const api = client(MAIN);
    const uri = await api.post('Zentrunk/URI/', { name: 'lk', uri: 'sip.example.com' });
    const trunk = await api.post('Zentrunk/Trunk/', { name: 'in', trunk_direction: 'inbound', primary_uri_uuid: uri.data.uri_uuid });
    expect((await api.post(`Number/${US}/`, { object_type: 'trunk', object_id: trunk.data.trunk_id })).status).toBe(202);
    expect(fake.number(MAIN.authId, US)?.boundTrunkId).toBe(trunk.data.trunk_id);
    expect((await api.post(`Number/${US}/`, { object_type: 'trunk', object_id: null })).status).toBe(202);
    expect(fake.number(MAIN.authId, US)?.boundTrunkId).toBeUndefined();
  });

  it('refuses every Zentrunk endpoint for an account whose plan lacks Zentrunk', async () => {
    const api = client(SUB);
    const create = await api.post('Zentrunk/Credential/', { name: 'x', username: 'u', password: 'p4ssword!' });
    expect(create.status).toBe(403);
    expect(create.data.error).toMatch(/zentrunk/i);
    expect((await api.get('Zentrunk/Trunk/')).status).toBe(403);
    expect(fake.credentials(SUB.authId)).toEqual([]);
    // The rest of the account still works.
    expect((await api.get('Number/')).status).toBe(200);
  });

  it('refuses to bind an Indian local number already bound to another trunk, until it is unbound', async () => {
    const api = client(MAIN);
    const uri = await api.post('Zentrunk/URI/', { name: 'lk', uri: 'sip.example.com' });
    const trunk = await api.post('Zentrunk/Trunk/', { name: 'in', trunk_direction: 'inbound', primary_uri_uuid: uri.data.uri_uuid });

    const refused = await api.post(`Number/${IN_LOCAL}/`, { app_id: trunk.data.trunk_id });
    expect(refused.status).toBe(400);
    expect(refused.data.error).toMatch(/already associated/);
    expect(fake.number(MAIN.authId, IN_LOCAL)?.boundTrunkId).toBe('99999999999999');

    expect((await api.post(`Number/${IN_LOCAL}/`, { app_id: null })).status).toBe(202);
    expect((await api.post(`Number/${IN_LOCAL}/`, { app_id: trunk.data.trunk_id })).status).toBe(202);
    expect(fake.number(MAIN.authId, IN_LOCAL)?.boundTrunkId).toBe(trunk.data.trunk_id);
  });

  it('answers an injected 503 to the next matching request only, and records what was sent', async () => {
    fake.failNext({ method: 'POST', path: /\/Zentrunk\/Credential\/?$/ }, { status: 503, body: { error: 'service unavailable' } });
    const body = { name: 'c', username: 'u', password: 'p4ssword!' };
    expect((await client(MAIN).post('Zentrunk/Credential/', body)).status).toBe(503);
    expect(fake.credentials(MAIN.authId)).toEqual([]);
    expect((await client(MAIN).post('Zentrunk/Credential/', body)).status).toBe(201);
    expect(fake.credentials(MAIN.authId)).toHaveLength(1);
    expect(fake.requestsTo('POST', /Zentrunk\/Credential/).map((r) => r.body)).toEqual([body, body]);
  });

  it('fails the next trunk creation of one direction only, creating nothing, while the other direction still works', async () => {
    const api = client(MAIN);
    const cred = await api.post('Zentrunk/Credential/', { name: 'c', username: 'u', password: 'p4ssword!' });
    const uri = await api.post('Zentrunk/URI/', { name: 'lk', uri: 'sip.example.com' });
    fake.failNextTrunk('inbound', { status: 500, body: { error: 'internal error' } });

    const out = await api.post('Zentrunk/Trunk/', { name: 'out', trunk_direction: 'outbound', credential_uuid: cred.data.credential_uuid });
    expect(out.status).toBe(201);
    const failed = await api.post('Zentrunk/Trunk/', { name: 'in', trunk_direction: 'inbound', primary_uri_uuid: uri.data.uri_uuid });
    expect(failed.status).toBe(500);
    expect(fake.trunks(MAIN.authId).map((t) => t.trunk_direction)).toEqual(['outbound']);

    const retried = await api.post('Zentrunk/Trunk/', { name: 'in', trunk_direction: 'inbound', primary_uri_uuid: uri.data.uri_uuid });
    expect(retried.status).toBe(201);
    expect(fake.trunks(MAIN.authId).map((t) => t.trunk_direction)).toEqual(['outbound', 'inbound']);
  });

  it('the plivo SDK is usable here for XML: <Dial><User>sip:…</User></Dial>', () => {
    // The SDK's typings say `callerID`, but its runtime only accepts `callerId` (dist/utils/plivoxml.js), and the throw
    // leaves an empty <Dial/> behind in that Response: don't trust the .d.ts, and build a fresh Response per answer.
    expect(() => plivo.Response().addDial({ callerID: '14155550100' })).toThrow(/Not a valid attribute/);
    const response = plivo.Response();
    const dial = response.addDial({ timeout: 30 });
    dial.addUser('sip:agent@sip.livekit.example.com;transport=tcp', {});
    expect(response.toXML()).toBe('<Response><Dial timeout="30"><User>sip:agent@sip.livekit.example.com;transport=tcp</User></Dial></Response>');
  });
});

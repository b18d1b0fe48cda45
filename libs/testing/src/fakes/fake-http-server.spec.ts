import { basicAuth, FakeHttpServer } from './fake-http-server';

describe('FakeHttpServer', () => {
  const fake = new FakeHttpServer('test');
  beforeAll(async () => {
    fake.route('POST', '/v1/Account/:id/Thing/', (req) => ({ status: 201, body: { id: req.params.id, got: req.body, user: basicAuth(req)?.user } }));
    await fake.start();
  });
  afterAll(() => fake.stop());

  it('routes by pattern, parses form and JSON bodies, reads Basic auth and records the request', async () => {
    const auth = `Basic ${Buffer.from('MA123:secret').toString('base64')}`;
    const form = await fetch(`${fake.baseUrl}/v1/Account/MA123/Thing/`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1&b=two' });
    expect(await form.json()).toEqual({ id: 'MA123', got: { a: '1', b: 'two' }, user: 'MA123' });
    const json = await fetch(`${fake.baseUrl}/v1/Account/X/Thing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"k":[1]}' });
    expect(await json.json()).toMatchObject({ id: 'X', got: { k: [1] } });
    expect(fake.requestsTo('POST', /^\/v1\/Account\/MA123\//)).toHaveLength(1);
  });

  it('answers 404 for unknown routes, and injected faults for the next matching requests only', async () => {
    expect((await fetch(`${fake.baseUrl}/nope`)).status).toBe(404);
    fake.failNext({ method: 'POST', path: /Thing/ }, { status: 503, body: { error: 'down' } }, 2);
    const post = () => fetch(`${fake.baseUrl}/v1/Account/Y/Thing/`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(503);
    expect((await post()).status).toBe(201);
  });

  it('can leave a request unanswered (a provider timeout)', async () => {
    fake.failNext({ path: /Thing/ }, 'timeout');
    const ctrl = new AbortController();
    const pending = fetch(`${fake.baseUrl}/v1/Account/Z/Thing/`, { method: 'POST', body: '{}', signal: ctrl.signal });
    const outcome = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('no answer'), 300))]);
    ctrl.abort();
    await pending.catch(() => undefined);
    expect(outcome).toBe('no answer');
  });
});

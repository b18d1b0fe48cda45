import { apiError, detailFields, twirpError } from '@callplane/testing';
import { ALL_SECRETS, LIVEKIT_SIP_HOST, useByokImportService, VOBIZ } from './byok-import.test-harness';

/**
 * BYOK import over HTTP: what every provider shares (validation, recorded steps, undo, needs_attention,
 * Idempotency-Key, isolation, secrets), shown with Vobiz, whose import is LiveKit-only.
 */
describe('BYOK import: recorded steps, undo and needs_attention', () => {
  const h = useByokImportService();
  const { fakes } = h;
  let a: { tenantId: string; apiKey: string };
  let b: { tenantId: string; apiKey: string };
  let n = 0;
  /** A fresh Indian number per test: numbers are unique across Callplane. */
  const nextNumber = () => `+9180712345${String(10 + n++).padStart(2, '0')}`;
  const vobizImport = (token: string, number: string, headers?: Record<string, string>) => h.importNumber(token, 'vobiz', { credentials: VOBIZ, number }, headers);
  type Envelope = { type: string; data: { number?: string } };
  const envelopes = async (where: { key?: string } = {}) =>
    (await h.service().prisma.outboxEvent.findMany({ where, orderBy: { createdAt: 'asc' } })).map((e) => e.envelope as unknown as Envelope);
  const eventsFor = async (key: string) => (await envelopes({ key })).map((e) => e.type);

  beforeAll(async () => {
    a = await h.newTenant('Import A');
    b = await h.newTenant('Import B');
  });

  it('imports a Vobiz number: LiveKit inbound trunk, dispatch rule and outbound trunk, credentials sealed, manual steps for the carrier side; delete removes them', async () => {
    const number = nextNumber();
    const from = fakes.livekit.requests.length;
    const res = await vobizImport(a.apiKey, number);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      number,
      provider: 'vobiz',
      byok: true,
      agent_id: null,
      webhook_url: null,
      credential_hint: '…0001',
      inbound: { configured: false, manual_steps: expect.stringContaining(`sip:${LIVEKIT_SIP_HOST};transport=tcp`) },
      outbound: { enabled: true },
      state: 'active',
      attention: null,
      locked: null,
    });
    expect(res.text).not.toContain(VOBIZ.password);
    expect(h.livekitRpcs(from)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule', 'CreateSIPOutboundTrunk']);
    const id = res.body.id as string;

    const stored = await h.service().prisma.phoneNumber.findUniqueOrThrow({ where: { id } });
    expect(stored.credentialsEnc).not.toContain(VOBIZ.password);
    expect(JSON.parse(h.secrets.open(stored.credentialsEnc!))).toEqual(VOBIZ);
    const sipAuth = JSON.parse(h.secrets.open(stored.sipAuthEnc!)) as { password: string };
    expect(sipAuth.password.length).toBeGreaterThanOrEqual(24);
    expect(JSON.stringify(stored.importSteps)).not.toContain(sipAuth.password);
    expect((stored.importSteps as Array<{ name: string }>).map((s) => s.name)).toEqual(['livekit.inbound', 'livekit.outbound']);
    expect(await eventsFor(id)).toEqual(['number.imported']);

    const mark = fakes.livekit.requests.length;
    const del = await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey });
    expect(del.status).toBe(204);
    expect(h.livekitRpcs(mark)).toEqual(['DeleteSIPTrunk', 'DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
    expect(await h.service().prisma.phoneNumber.count({ where: { id } })).toBe(0);
    expect(await eventsFor(id)).toEqual(['number.imported', 'number.released']);
    expect(fakes.livekit.inboundTrunks.concat(fakes.livekit.outboundTrunks, fakes.livekit.dispatchRules)).toEqual([]);
  });

  it('rejects malformed requests with 400 naming each field, before any provider or LiveKit call, writing nothing', async () => {
    const lk = fakes.livekit.requests.length;
    const tw = fakes.twilio.requests.length;
    const cases: Array<[string, unknown, string[]]> = [
      ['vobiz', { credentials: { sip_domain: 'x y', username: '' }, number: '+918071234599' }, ['credentials.sip_domain', 'credentials.username', 'credentials.password']],
      ['vobiz', { credentials: VOBIZ, number: '12' }, ['number']],
      ['twilio', { credentials: { account_sid: 'AC1', auth_token: 'x' }, number: '+14155550100' }, ['credentials.account_sid']],
      ['twilio', { credentials: {}, number: '+14155550100', extra: 1 }, ['extra']],
      ['sinch', { credentials: {}, number: '+14155550100' }, ['params.provider']],
    ];
    for (const [provider, body, fields] of cases) {
      const res = await h.importNumber(a.apiKey, provider, body);
      expect({ provider, status: res.status, code: apiError(res).code }).toEqual({ provider, status: 400, code: 'validation_failed' });
      expect(detailFields(res)).toEqual(expect.arrayContaining(fields));
    }
    expect(fakes.livekit.requests.length).toBe(lk);
    expect(fakes.twilio.requests.length).toBe(tw);
    expect(await h.countNumbers(a.tenantId)).toBe(0);
    expect((await h.importNumber('cp_live_wrong', 'vobiz', { credentials: VOBIZ, number: nextNumber() })).status).toBe(401);
  });

  it('a failed step undoes the steps before it: 502 with the step named, nothing left in LiveKit, no number, no event', async () => {
    const number = nextNumber();
    fakes.livekit.failNext({ path: /CreateSIPOutboundTrunk/ }, twirpError('unavailable', 'sip service restarting'));
    const res = await vobizImport(a.apiKey, number);
    expect(res.status).toBe(502);
    expect(apiError(res)).toMatchObject({ code: 'livekit_unavailable', details: { step: 'livekit.outbound' } });
    expect(apiError(res).message).toMatch(/Nothing was left configured/);
    expect(fakes.livekit.inboundTrunks.concat(fakes.livekit.outboundTrunks, fakes.livekit.dispatchRules)).toEqual([]);
    expect(await h.service().prisma.phoneNumber.count({ where: { number } })).toBe(0);
    expect((await envelopes()).filter((e) => e.data.number === number)).toEqual([]);
    // The same request works once LiveKit is back.
    const again = await vobizImport(a.apiKey, number);
    expect(again.status).toBe(201);
    await h.call('DELETE', `/voice/phone-numbers/${again.body.id as string}`, { token: a.apiKey });
  });

  it('when undoing fails too, the number stays visible as needs_attention with the reason, and DELETE finishes the cleanup', async () => {
    const number = nextNumber();
    fakes.livekit.failNext({ path: /CreateSIPOutboundTrunk/ }, twirpError('unavailable', 'sip service restarting'));
    fakes.livekit.failNext({ path: /DeleteSIPDispatchRule/ }, twirpError('unavailable', 'still restarting'));
    const res = await vobizImport(a.apiKey, number);
    expect(res.status).toBe(502);
    expect(apiError(res).details).toMatchObject({ step: 'livekit.outbound', state: 'needs_attention' });
    const id = (apiError(res).details as unknown as { phone_id: string }).phone_id;

    const agent = await h.createAgent(a.apiKey);
    const assign = await h.call('PUT', `/voice/agents/${agent.id}/phone`, { token: a.apiKey, json: { phone_id: id, enabled: true } });
    expect({ status: assign.status, code: apiError(assign).code }).toEqual({ status: 409, code: 'number_not_active' });
    const got = await h.call('GET', `/voice/phone-numbers/${id}`, { token: a.apiKey });
    expect(got.body).toMatchObject({ agent_id: null, state: 'needs_attention', attention: { reason: expect.stringContaining('livekit.inbound') }, outbound: { enabled: false } });
    expect(fakes.livekit.inboundTrunks).toHaveLength(1);
    expect(fakes.livekit.dispatchRules).toHaveLength(1);

    const del = await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey });
    expect(del.status).toBe(204);
    expect(fakes.livekit.inboundTrunks.concat(fakes.livekit.outboundTrunks, fakes.livekit.dispatchRules)).toEqual([]);
    expect(await h.service().prisma.phoneNumber.count({ where: { id } })).toBe(0);
  });

  it('a release the provider refuses keeps the number (needs_attention, 502) and a later DELETE carries on where it stopped', async () => {
    const res = await vobizImport(a.apiKey, nextNumber());
    const id = res.body.id as string;
    fakes.livekit.failNext({ path: /DeleteSIPDispatchRule/ }, twirpError('unavailable', 'down'));
    const first = await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey });
    expect(first.status).toBe(502);
    expect(apiError(first).details).toMatchObject({ phone_id: id, state: 'needs_attention' });
    const stored = await h.service().prisma.phoneNumber.findUniqueOrThrow({ where: { id } });
    // The outbound trunk went first and is no longer recorded; the inbound trunk and its rule are.
    expect((stored.importSteps as Array<{ name: string }>).map((s) => s.name)).toEqual(['livekit.inbound']);
    expect(fakes.livekit.outboundTrunks).toEqual([]);

    const mark = fakes.livekit.requests.length;
    expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
    expect(h.livekitRpcs(mark)).toEqual(['DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
    expect(fakes.livekit.inboundTrunks.concat(fakes.livekit.dispatchRules)).toEqual([]);
  });

  it('retrying an import with the same Idempotency-Key replays the first answer and creates no second trunk', async () => {
    const number = nextNumber();
    const key = `import-${number}`;
    const first = await vobizImport(a.apiKey, number, { 'Idempotency-Key': key });
    const lk = fakes.livekit.requests.length;
    const retry = await vobizImport(a.apiKey, number, { 'Idempotency-Key': key });
    expect(first.status).toBe(201);
    expect(retry.status).toBe(201);
    expect(retry.body).toEqual(first.body);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(fakes.livekit.requests.length).toBe(lk);
    expect(fakes.livekit.outboundTrunks).toHaveLength(1);
    // A different import under the same key is a conflict.
    expect(apiError(await vobizImport(a.apiKey, nextNumber(), { 'Idempotency-Key': key })).code).toBe('idempotency_conflict');
    // Without a key, importing the same number again is refused: it is registered.
    const dup = await vobizImport(a.apiKey, number);
    expect({ status: dup.status, code: apiError(dup).code }).toEqual({ status: 409, code: 'number_already_exists' });
    expect(fakes.livekit.outboundTrunks).toHaveLength(1);
    await h.call('DELETE', `/voice/phone-numbers/${first.body.id as string}`, { token: a.apiKey });
  });

  it("another tenant can neither see, configure nor delete an imported number, nor import it again", async () => {
    const number = nextNumber();
    const res = await vobizImport(a.apiKey, number);
    const id = res.body.id as string;
    const before = (await h.call('GET', `/voice/phone-numbers/${id}`, { token: a.apiKey })).body;
    const lk = fakes.livekit.requests.length;
    for (const [method, path] of [
      ['GET', `/voice/phone-numbers/${id}`],
      ['DELETE', `/voice/phone-numbers/${id}`],
      ['POST', `/voice/exotel/byok/configure-inbound/${id}`],
    ] as const) {
      const r = await h.call(method, path, { token: b.apiKey });
      expect({ method, path, status: r.status, code: apiError(r).code }).toEqual({ method, path, status: 404, code: 'not_found' });
    }
    const steal = await vobizImport(b.apiKey, number);
    expect({ status: steal.status, code: apiError(steal).code }).toEqual({ status: 409, code: 'number_already_exists' });
    expect(fakes.livekit.requests.length).toBe(lk);
    expect((await h.call('GET', '/voice/phone-numbers', { token: b.apiKey })).body.data).toEqual([]);
    expect((await h.call('GET', `/voice/phone-numbers/${id}`, { token: a.apiKey })).body).toEqual(before);
    await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey });
  });

  it('configure-inbound is for imported Exotel numbers only', async () => {
    const res = await vobizImport(a.apiKey, nextNumber());
    const r = await h.call('POST', `/voice/exotel/byok/configure-inbound/${res.body.id as string}`, { token: a.apiKey });
    expect({ status: r.status, code: apiError(r).code }).toEqual({ status: 404, code: 'not_found' });
    await h.call('DELETE', `/voice/phone-numbers/${res.body.id as string}`, { token: a.apiKey });
  });

  it('a bring-your-own number gets its own LiveKit inbound trunk (with its SIP credentials) and dispatch rule; delete removes them', async () => {
    const number = nextNumber();
    const lk = fakes.livekit.requests.length;
    const res = await h.call('POST', '/voice/phone-numbers', { token: a.apiKey, json: { number, signing_secret: 'byo-signing-secret-0001' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'sip', byok: false, state: 'active', inbound: { configured: false } });
    expect(h.livekitRpcs(lk)).toEqual(['CreateSIPInboundTrunk', 'CreateSIPDispatchRule']);
    const id = res.body.id as string;
    const stored = await h.service().prisma.phoneNumber.findUniqueOrThrow({ where: { id } });
    const sipAuth = JSON.parse(h.secrets.open(stored.sipAuthEnc!)) as { username: string; password: string };
    expect(fakes.livekit.inboundTrunks.at(-1)).toMatchObject({ numbers: [number], authUsername: sipAuth.username, authPassword: sipAuth.password });
    expect(await eventsFor(id)).toEqual(['number.imported']);

    const mark = fakes.livekit.requests.length;
    expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
    expect(h.livekitRpcs(mark)).toEqual(['DeleteSIPDispatchRule', 'DeleteSIPTrunk']);
    expect(fakes.livekit.inboundTrunks.concat(fakes.livekit.dispatchRules)).toEqual([]);

    // LiveKit refusing leaves no number behind and says so.
    fakes.livekit.failNext({ path: /CreateSIPInboundTrunk/ }, twirpError('unavailable', 'restarting'));
    const failed = await h.call('POST', '/voice/phone-numbers', { token: a.apiKey, json: { number } });
    expect({ status: failed.status, code: apiError(failed).code }).toEqual({ status: 502, code: 'livekit_unavailable' });
    expect(await h.service().prisma.phoneNumber.count({ where: { number } })).toBe(0);
  });

  it('two simultaneous imports of one number: one 201, one 409, one set of LiveKit trunks', async () => {
    const number = nextNumber();
    const before = fakes.livekit.outboundTrunks.length;
    const results = await Promise.all([vobizImport(a.apiKey, number), vobizImport(a.apiKey, number)]);
    const statuses = results.map((r) => r.status).sort();
    expect(statuses).toEqual([201, 409]);
    const loser = results.find((r) => r.status === 409)!;
    expect(['import_in_progress', 'number_already_exists']).toContain(apiError(loser).code);
    expect(fakes.livekit.outboundTrunks.length - before).toBe(1);
    await h.call('DELETE', `/voice/phone-numbers/${results.find((r) => r.status === 201)!.body.id as string}`, { token: a.apiKey });
  });

  it('an import interrupted mid-way (a crash) blocks a second import, and DELETE cleans it up once it is stale', async () => {
    const number = nextNumber();
    const res = await vobizImport(a.apiKey, number);
    const id = res.body.id as string;
    const prisma = h.service().prisma;
    // What a crash after the steps but before the final write leaves behind.
    await prisma.phoneNumber.update({ where: { id }, data: { state: 'importing', updatedAt: new Date() } });
    expect(apiError(await vobizImport(a.apiKey, number)).code).toBe('import_in_progress');
    const fresh = await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey });
    expect({ status: fresh.status, code: apiError(fresh).code }).toEqual({ status: 409, code: 'import_in_progress' });
    expect(fakes.livekit.outboundTrunks).toHaveLength(1);

    await prisma.phoneNumber.update({ where: { id }, data: { updatedAt: new Date(Date.now() - 10 * 60_000) } });
    expect((await h.call('DELETE', `/voice/phone-numbers/${id}`, { token: a.apiKey })).status).toBe(204);
    expect(fakes.livekit.inboundTrunks.concat(fakes.livekit.outboundTrunks, fakes.livekit.dispatchRules)).toEqual([]);
  });

  it('no credential and no generated SIP password ever reached the logs (debug level, every test above)', async () => {
    const text = h.logs.text();
    expect(text).toMatch(/import step failed/); // the logs did record the failures above
    for (const secret of ALL_SECRETS) expect(text).not.toContain(secret);
    // Every SIP password LiveKit was given (ours and the customer's) stayed out of the logs too.
    const passwords = fakes.livekit.requests.flatMap((r) => [...r.rawBody.matchAll(/"auth_?[pP]assword"\s*:\s*"([^"]+)"/g)].map((m) => m[1]!));
    expect(passwords.length).toBeGreaterThan(0);
    for (const p of passwords) expect(text).not.toContain(p);
  });
});

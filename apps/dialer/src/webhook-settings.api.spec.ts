import { randomBytes } from 'node:crypto';
import { newId, TOPICS } from '@callplane/contracts';
import { hashApiKey, SecretBox } from '@callplane/service-kit';
import { bootTestService, captureLogs, expectApiError, httpRequest, pollUntil, type TestService } from '@callplane/testing';
import { createDialerModule } from './app';
import { DEFAULT_SETTINGS, useDialerService } from './dialer.test-harness';
import { lifecycleEvent, signatureMatches, WebhookReceiver } from './status-webhooks.test-harness';

describe('webhook settings API', () => {
  const api = useDialerService();

  it('creates the secret on first use, returns the same one after, and stores it sealed', async () => {
    const { apiKey, tenantId } = await api.newTenantUser();
    const first = await api.call('GET', '/voice/settings/webhooks', { token: apiKey });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9_-]{43}$/) });
    const again = await api.call('GET', '/voice/settings/webhooks', { token: apiKey });
    expect(again.body).toEqual(first.body);

    const row = await api.prisma().webhookSecret.findUniqueOrThrow({ where: { tenantId } });
    expect(row.secretEnc).not.toContain(String(first.body.secret));
    expect(api.secrets.open(row.secretEnc)).toBe(first.body.secret);
  });

  it('concurrent first uses agree on one secret', async () => {
    const { apiKey } = await api.newTenantUser();
    const all = await Promise.all(Array.from({ length: 5 }, () => api.call('GET', '/voice/settings/webhooks', { token: apiKey })));
    expect(new Set(all.map((r) => r.body.secret)).size).toBe(1);
  });

  it('rotates: a new secret becomes current and the old one is kept for 24 h', async () => {
    const { apiKey, tenantId } = await api.newTenantUser();
    const old = (await api.call('GET', '/voice/settings/webhooks', { token: apiKey })).body.secret;
    const rotated = await api.call('POST', '/voice/settings/webhooks/rotate-secret', { token: apiKey });
    expect(rotated.status).toBe(200);
    expect(rotated.body).toEqual({ secret: expect.stringMatching(/^whsec_/) });
    expect(rotated.body.secret).not.toBe(old);
    expect((await api.call('GET', '/voice/settings/webhooks', { token: apiKey })).body.secret).toBe(rotated.body.secret);

    const row = await api.prisma().webhookSecret.findUniqueOrThrow({ where: { tenantId } });
    expect(api.secrets.open(row.previousSecretEnc!)).toBe(old);
    const overlap = row.previousExpiresAt!.getTime() - row.rotatedAt.getTime();
    expect(overlap).toBe(24 * 3600 * 1000);
  });

  it('replays a rotation under the same Idempotency-Key instead of rotating twice', async () => {
    const { apiKey } = await api.newTenantUser();
    const headers = { 'idempotency-key': `rot-${newId('event')}` };
    const a = await api.call('POST', '/voice/settings/webhooks/rotate-secret', { token: apiKey, headers });
    const b = await api.call('POST', '/voice/settings/webhooks/rotate-secret', { token: apiKey, headers });
    expect(b.body).toEqual(a.body);
    expect((await api.call('GET', '/voice/settings/webhooks', { token: apiKey })).body.secret).toBe(a.body.secret);
  });

  it("keeps tenants apart: each has its own secret, and rotating one leaves the other's alone", async () => {
    const a = await api.newTenantUser('A');
    const b = await api.newTenantUser('B');
    const secretA = (await api.call('GET', '/voice/settings/webhooks', { token: a.apiKey })).body.secret;
    const secretB = (await api.call('GET', '/voice/settings/webhooks', { token: b.apiKey })).body.secret;
    expect(secretA).not.toBe(secretB);
    await api.call('POST', '/voice/settings/webhooks/rotate-secret', { token: a.apiKey });
    expect((await api.call('GET', '/voice/settings/webhooks', { token: b.apiKey })).body.secret).toBe(secretB);
    expect((await api.prisma().webhookSecret.findUniqueOrThrow({ where: { tenantId: b.tenantId } })).previousSecretEnc).toBeNull();
  });

  it('requires an API key', async () => {
    expectApiError(await api.call('GET', '/voice/settings/webhooks'), 401, 'unauthorized');
    expectApiError(await api.call('POST', '/voice/settings/webhooks/rotate-secret', { token: 'cp_live_wrong' }), 401, 'unauthorized');
  });
});

describe('status webhooks end to end (lifecycle event → signed POST), with logs captured', () => {
  const logs = captureLogs('dialer');
  const receiver = new WebhookReceiver();
  let svc: TestService;
  beforeAll(async () => {
    await receiver.start();
    svc = await bootTestService({
      name: 'dialer',
      logger: logs.logger,
      modules: ({ platform, routerDeps }) => [createDialerModule({ platform, routerDeps, secrets: new SecretBox(randomBytes(32)), settings: { ...DEFAULT_SETTINGS, webhookAllowPrivateTargets: true } })],
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await receiver.stop();
  });

  it('delivers the events of a call to its webhook_url, signed with the secret the API shows, which never reaches the logs', async () => {
    const tenantId = newId('tenant');
    const userKey = `cp_live_${randomBytes(32).toString('base64url')}`;
    await svc.prisma.tenant.create({ data: { id: tenantId, name: `E2E ${tenantId}` } });
    await svc.prisma.user.create({ data: { id: newId('user'), tenantId, email: `${tenantId}@example.com`, apiKeyHash: hashApiKey(userKey), apiKeyHint: userKey.slice(-4) } });
    const agentId = newId('agent');
    await svc.prisma.agent.create({ data: { id: agentId, tenantId, name: 'a', systemPrompt: 'p', voice: {}, statusWebhookUrl: `${receiver.url}/agent-hook` } });
    const sessionId = newId('callSession');
    await svc.prisma.outboundCall.create({
      data: { id: sessionId, tenantId, agentId, fromNumber: '+14155550100', toNumber: '+14155550199', callType: 'production', state: 'dispatched', webhookUrl: `${receiver.url}/call-hook` },
    });

    const t0 = Date.now();
    const events = (['initiating', 'ringing', 'in_progress', 'completed'] as const).map((state, i) => lifecycleEvent({ tenantId, sessionId, agentId, state, occurredAt: new Date(t0 + i) }));
    await svc.running.platform.bus.publish(TOPICS.callLifecycle, events);
    await svc.running.platform.bus.publish(TOPICS.callLifecycle, [events[1]!]); // a redelivery

    const mine = () => receiver.received.filter((r) => r.json.session_id === sessionId);
    await pollUntil(() => mine().length >= 4, { description: 'four status webhooks' });
    const got = mine();
    expect(got.map((r) => r.json.id)).toEqual(events.map((e) => e.id));
    expect(got.every((r) => r.path === '/call-hook')).toBe(true);

    const secret = String((await httpRequest('GET', `${svc.url}/voice/settings/webhooks`, { token: userKey })).body.secret);
    for (const r of got) expect(signatureMatches(r.headers['callplane-signature'] as string, r.body, secret)).toBe(true);
    const rotated = String((await httpRequest('POST', `${svc.url}/voice/settings/webhooks/rotate-secret`, { token: userKey })).body.secret);

    expect(logs.text()).toContain(sessionId);
    expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain(rotated);
  });
});

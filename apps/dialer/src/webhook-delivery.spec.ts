import { newId, type CallState } from '@callplane/contracts';
import { captureLogs } from '@callplane/testing';
import { TestClock } from './dialer.test-harness';
import { inTx, lifecycleEvent, seedOutboundCall, signatureMatches, v1Values, webhookDeps, WebhookReceiver } from './status-webhooks.test-harness';
import { enqueueStatusWebhooks } from './usecases/status-webhooks';
import { createWebhookDelivery, RETRY_DELAYS_MS, RETRY_WINDOW_MS, type WebhookDeliveryOptions } from './workers/webhook-delivery.worker';
import { getWebhookSecret, rotateWebhookSecret } from './usecases/webhook-signature';

const HOUR = 3_600_000;

describe('status webhook delivery', () => {
  const clock = new TestClock();
  const logs = captureLogs('webhook-delivery-spec');
  const deps = webhookDeps({ clock, logger: logs.logger });
  const receiver = new WebhookReceiver();
  const open: Array<{ db: { close(): Promise<void> } }> = [deps];

  beforeAll(() => receiver.start());
  afterAll(async () => {
    await receiver.stop();
    await Promise.all(open.map((d) => d.db.close()));
  });

  const worker = (opts: WebhookDeliveryOptions = {}, d = deps) => createWebhookDelivery(d, { random: () => 0, ...opts });
  const delivery = (id: string) => deps.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } });

  /** A new call of a new tenant whose webhook_url is `url`, and a function queueing its lifecycle events. */
  async function newCall(url = `${receiver.url}/hooks/${newId('event')}`) {
    const tenantId = newId('tenant');
    const sessionId = await seedOutboundCall(deps, { tenantId, webhookUrl: url });
    const enqueue = async (state: CallState, occurredAt = clock.now()) => {
      const event = lifecycleEvent({ tenantId, sessionId, state, occurredAt });
      await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [event], tx));
      return event;
    };
    const received = () => receiver.received.filter((r) => r.json.session_id === sessionId);
    return { tenantId, sessionId, url, enqueue, received };
  }

  it('prunes finished deliveries past the retention, never pending ones or recent ones', async () => {
    const c = await newCall();
    const old = new Date(clock.now().getTime() - 31 * 24 * 3600_000);
    const row = (id: string, state: string, createdAt: Date) => ({
      id,
      tenantId: c.tenantId,
      sessionId: c.sessionId,
      url: c.url,
      body: '{}',
      state,
      occurredAt: createdAt,
      createdAt,
      nextAttemptAt: new Date(clock.now().getTime() + 3600_000),
    });
    const ids = { oldDelivered: newId('event'), oldGaveUp: newId('event'), oldPending: newId('event'), recentDelivered: newId('event') };
    await deps.prisma.webhookDelivery.createMany({
      data: [row(ids.oldDelivered, 'delivered', old), row(ids.oldGaveUp, 'gave_up', old), row(ids.oldPending, 'pending', old), row(ids.recentDelivered, 'delivered', clock.now())],
    });
    expect(await worker().prune()).toBe(2);
    const left = await deps.prisma.webhookDelivery.findMany({ where: { id: { in: Object.values(ids) } }, select: { id: true } });
    expect(left.map((r) => r.id).sort()).toEqual([ids.oldPending, ids.recentDelivered].sort());
    await deps.prisma.webhookDelivery.deleteMany({ where: { id: { in: Object.values(ids) } } });
  });

  it('POSTs the queued body with its event id and a signature that verifies with the tenant secret', async () => {
    const call = await newCall();
    const event = await call.enqueue('ringing');
    expect(await worker().runOnce()).toEqual({ delivered: 1, failed: 0, gaveUp: 0 });

    const [got, ...more] = call.received();
    expect(more).toEqual([]);
    expect(got!.body).toBe((await delivery(event.id)).body);
    expect(got!.json).toEqual({ id: event.id, event: 'ringing', session_id: call.sessionId, occurred_at: event.occurred_at, call: event.data });
    expect(got!.headers['content-type']).toBe('application/json');
    expect(got!.headers['callplane-event-id']).toBe(event.id);
    const signature = got!.headers['callplane-signature'] as string;
    expect(signature).toMatch(new RegExp(`^t=${Math.floor(clock.now().getTime() / 1000)},v1=[0-9a-f]{64}$`));
    const secret = await getWebhookSecret(deps, call.tenantId);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(signatureMatches(signature, got!.body, secret)).toBe(true);
    expect(signatureMatches(signature, got!.body.replace('ringing', 'completed'), secret)).toBe(false);
    expect(await delivery(event.id)).toMatchObject({ state: 'delivered', attempts: 1, deliveredAt: clock.now() });
  });

  it("sends a call's events in occurred_at order even when they were queued out of order", async () => {
    const call = await newCall();
    const t0 = clock.now().getTime();
    await call.enqueue('completed', new Date(t0 + 3000));
    await call.enqueue('ringing', new Date(t0 + 1000));
    await call.enqueue('in_progress', new Date(t0 + 2000));
    await call.enqueue('initiating', new Date(t0));
    await worker().runOnce();
    expect(call.received().map((r) => r.json.event)).toEqual(['initiating', 'ringing', 'in_progress', 'completed']);
  });

  it('holds back later events of a call while an earlier one is failing, and sends them after it succeeds', async () => {
    const call = await newCall();
    receiver.reply(500);
    const first = await call.enqueue('ringing');
    clock.advance(1);
    await call.enqueue('in_progress');
    expect(await worker().runOnce()).toEqual({ delivered: 0, failed: 1, gaveUp: 0 });
    expect(call.received().map((r) => r.json.event)).toEqual(['ringing']);

    clock.advance(RETRY_DELAYS_MS[0]!);
    await worker().runOnce();
    const got = call.received();
    expect(got.map((r) => r.json.event)).toEqual(['ringing', 'ringing', 'in_progress']);
    // At least once, with the same id (body and header) on the retry.
    expect(got[0]!.body).toBe(got[1]!.body);
    expect([got[0]!.headers['callplane-event-id'], got[1]!.headers['callplane-event-id']]).toEqual([first.id, first.id]);
    expect(await delivery(first.id)).toMatchObject({ state: 'delivered', attempts: 2, lastError: 'http_500' });
  });

  it('retries with growing backoff for at least 24 h from the first attempt, then gives up with the last reason', async () => {
    const call = await newCall(`${receiver.url}/always-503`);
    receiver.always(503);
    try {
      const event = await call.enqueue('completed');
      const first = clock.now().getTime();
      const waits: number[] = [];
      for (;;) {
        await worker({ random: () => 0.5 }).runOnce();
        const row = await delivery(event.id);
        if (row.state !== 'pending') break;
        const wait = row.nextAttemptAt.getTime() - clock.now().getTime();
        waits.push(wait);
        // Not due a millisecond early: nothing is sent.
        clock.advance(wait - 1);
        expect(await worker().runOnce()).toEqual({ delivered: 0, failed: 0, gaveUp: 0 });
        clock.advance(1);
      }
      // Each wait is the planned step plus 5 % jitter (random = 0.5 of 10 %).
      expect(waits).toEqual(RETRY_DELAYS_MS.map((ms) => Math.round(ms * 1.05)));
      expect(waits.slice(0, 6)).toEqual([10_000, 30_000, 60_000, 300_000, 900_000, HOUR].map((ms) => Math.round(ms * 1.05)));
      expect(Math.max(...waits)).toBeLessThanOrEqual(4 * HOUR * 1.1);
      const elapsed = clock.now().getTime() - first;
      expect(elapsed).toBeGreaterThanOrEqual(RETRY_WINDOW_MS);
      expect(elapsed).toBeLessThan(RETRY_WINDOW_MS * 1.1);
      expect(await delivery(event.id)).toMatchObject({ state: 'gave_up', attempts: RETRY_DELAYS_MS.length + 1, lastError: 'http_503' });
      expect(call.received()).toHaveLength(RETRY_DELAYS_MS.length + 1);
      // Given up: no more sends, and the call's later events are no longer held back.
      clock.advance(24 * HOUR);
      receiver.always(200);
      await call.enqueue('canceled');
      await worker().runOnce();
      expect(call.received().map((r) => r.json.event).slice(-2)).toEqual(['completed', 'canceled']);
    } finally {
      receiver.always(200);
    }
  });

  it('records a timeout, a refused connection and an unfollowed redirect as retryable failures', async () => {
    const hanging = await newCall();
    receiver.reply('hang');
    const e1 = await hanging.enqueue('ringing');
    clock.advance(1);
    const redirected = await newCall();
    receiver.reply({ redirect: `${receiver.url}/elsewhere` });
    const e2 = await redirected.enqueue('ringing');
    clock.advance(1);
    const closed = await newCall('http://127.0.0.1:1/hook');
    const e3 = await closed.enqueue('ringing');
    // One at a time, oldest first, so the receiver's queued replies meet the intended requests.
    const w = worker({ timeoutMs: 1_000, batchSize: 1, maxBatchesPerRound: 1 });
    await w.runOnce();
    await w.runOnce();
    await w.runOnce();
    expect(await delivery(e1.id)).toMatchObject({ state: 'pending', lastError: 'timeout' });
    expect(await delivery(e2.id)).toMatchObject({ state: 'pending', lastError: 'http_302' });
    expect((await delivery(e3.id)).lastError).toMatch(/^network_error: ECONNREFUSED/);
    expect(receiver.received.filter((r) => r.path === '/elsewhere')).toEqual([]);
  });

  it('survives a restart: a new worker delivers what a stopped one left, including a claim it never finished', async () => {
    const call = await newCall();
    receiver.reply(500);
    const a = await call.enqueue('initiating');
    clock.advance(1);
    const b = await call.enqueue('ringing');
    const old = worker();
    await old.runOnce();
    await old.stop();

    // A worker that died mid-attempt leaves its lease behind; the delivery is taken over once the lease runs out.
    const other = await newCall();
    const c = await other.enqueue('initiating');
    await deps.prisma.webhookDelivery.update({ where: { id: c.id }, data: { attempts: 1, nextAttemptAt: new Date(clock.now().getTime() + 60_000) } });

    const fresh = worker();
    clock.advance(RETRY_DELAYS_MS[0]!);
    await fresh.runOnce();
    expect(other.received()).toEqual([]);
    clock.advance(60_000);
    await fresh.runOnce();
    expect(call.received().map((r) => r.json.id)).toEqual([a.id, a.id, b.id]);
    expect(other.received().map((r) => r.json.id)).toEqual([c.id]);
    expect(await delivery(c.id)).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('two workers on their own connections deliver every delivery exactly once, each call in order', async () => {
    const second = webhookDeps({ clock, secrets: deps.secrets });
    open.push(second);
    const calls = await Promise.all(Array.from({ length: 8 }, () => newCall()));
    const t0 = clock.now().getTime();
    const states: CallState[] = ['initiating', 'ringing', 'in_progress', 'completed'];
    for (const call of calls) for (const [i, s] of states.entries()) await call.enqueue(s, new Date(t0 + i));
    const w1 = worker({ batchSize: 3 });
    const w2 = worker({ batchSize: 3 }, second);
    const pending = () => deps.prisma.webhookDelivery.count({ where: { sessionId: { in: calls.map((c) => c.sessionId) }, state: 'pending' } });
    let delivered = 0;
    // A round ends when a worker finds nothing due; the other may still hold a call's head, so go again until all are out.
    for (let i = 0; i < 20 && (await pending()) > 0; i++) {
      const rounds = await Promise.all([w1.runOnce(), w2.runOnce()]);
      delivered += rounds.reduce((n, r) => n + r.delivered, 0);
    }
    expect(delivered).toBe(calls.length * states.length);
    for (const call of calls) expect(call.received().map((r) => r.json.event)).toEqual(states);
  });

  it('signs with both secrets for 24 h after a rotation, then with the new one only', async () => {
    const call = await newCall();
    const oldSecret = await getWebhookSecret(deps, call.tenantId);
    const newSecret = await rotateWebhookSecret(deps, call.tenantId);
    expect(newSecret).not.toBe(oldSecret);

    await call.enqueue('ringing');
    await worker().runOnce();
    const during = call.received()[0]!;
    const header = during.headers['callplane-signature'] as string;
    expect(v1Values(header)).toHaveLength(2);
    expect(signatureMatches(`t=${header.split(',')[0]!.slice(2)},v1=${v1Values(header)[0]}`, during.body, newSecret)).toBe(true);
    expect(signatureMatches(`t=${header.split(',')[0]!.slice(2)},v1=${v1Values(header)[1]}`, during.body, oldSecret)).toBe(true);

    clock.advance(24 * HOUR);
    await call.enqueue('completed');
    await worker().runOnce();
    const after = call.received()[1]!;
    const header2 = after.headers['callplane-signature'] as string;
    expect(v1Values(header2)).toHaveLength(1);
    expect(signatureMatches(header2, after.body, newSecret)).toBe(true);
    expect(signatureMatches(header2, after.body, oldSecret)).toBe(false);
  });

  it('never writes a secret to the logs', async () => {
    const call = await newCall();
    receiver.reply(500);
    await call.enqueue('ringing');
    await worker().runOnce();
    clock.advance(RETRY_DELAYS_MS[0]!);
    await worker().runOnce();
    const secret = await getWebhookSecret(deps, call.tenantId);
    expect(logs.text()).toContain(call.sessionId);
    expect(logs.text()).not.toContain(secret);
    expect(logs.text()).not.toContain(secret.slice(6, 30));
  });
});

describe('SSRF guard at delivery time', () => {
  const clock = new TestClock();
  const strict = webhookDeps({ clock, settings: { webhookAllowPrivateTargets: false } });
  const receiver = new WebhookReceiver();
  beforeAll(() => receiver.start());
  afterAll(async () => {
    await receiver.stop();
    await strict.db.close();
  });

  async function enqueueTo(deps: typeof strict, url: string) {
    const tenantId = newId('tenant');
    const sessionId = await seedOutboundCall(deps, { tenantId, webhookUrl: url });
    const event = lifecycleEvent({ tenantId, sessionId, state: 'ringing', occurredAt: clock.now() });
    await inTx(deps, (tx) => enqueueStatusWebhooks(deps, [event], tx));
    return event.id;
  }

  it('refuses loopback, private and metadata targets without connecting, and gives up at once', async () => {
    const connectionsBefore = receiver.connections;
    const ids = [
      await enqueueTo(strict, `${receiver.url}/hook`),
      await enqueueTo(strict, `http://[::1]:${new URL(receiver.url).port}/hook`),
      await enqueueTo(strict, 'http://169.254.169.254/latest/meta-data/'),
      await enqueueTo(strict, 'http://internal.example.test/hook'),
      await enqueueTo(strict, 'ftp://example.com/hook'),
    ];
    // `internal.example.test` resolves to a private address; nothing here may be contacted.
    const resolve = async (host: string) => (host === 'internal.example.test' ? [{ address: '10.1.2.3', family: 4 }] : [{ address: '93.184.215.14', family: 4 }]);
    const result = await createWebhookDelivery(strict, { resolve }).runOnce();
    expect(result).toEqual({ delivered: 0, failed: 0, gaveUp: ids.length });
    for (const id of ids) expect(await strict.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: 'gave_up', lastError: 'target_not_allowed', attempts: 1 });
    expect(receiver.connections).toBe(connectionsBefore);
  });

  it('connects to the vetted address, not whatever the name resolves to by then', async () => {
    // With private targets allowed, a made-up name that our resolver maps to the receiver is reached at that address:
    // the request never does a DNS lookup of its own (which would fail for `.test`), so a rebind cannot redirect it.
    const lenient = { ...strict, settings: { ...strict.settings, webhookAllowPrivateTargets: true } };
    const port = new URL(receiver.url).port;
    const id = await enqueueTo(lenient, `http://hooks.example.test:${port}/pinned`);
    const resolve = async () => [{ address: '127.0.0.1', family: 4 }];
    expect(await createWebhookDelivery(lenient, { resolve }).runOnce()).toEqual({ delivered: 1, failed: 0, gaveUp: 0 });
    const got = receiver.received.find((r) => r.json.id === id)!;
    expect(got.headers.host).toBe(`hooks.example.test:${port}`);
  });

  it('keeps retrying when the name does not resolve (DNS may recover)', async () => {
    const id = await enqueueTo(strict, 'https://no-such-host.invalid/hook');
    await createWebhookDelivery(strict).runOnce();
    expect(await strict.prisma.webhookDelivery.findUniqueOrThrow({ where: { id } })).toMatchObject({ state: 'pending', lastError: expect.stringMatching(/^dns_failed/) });
  });
});

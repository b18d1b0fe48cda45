import { newId, SANDBOX_NUMBERS, type DialRequest } from '@callplane/contracts';
import { createLogger } from '@callplane/service-kit';
import { Registry } from 'prom-client';
import { TestClock } from './dialer.test-harness';
import { inTx, lifecycleEvent, seedOutboundCall, webhookDeps, WebhookReceiver } from './status-webhooks.test-harness';
import { dialOutbound } from './usecases/dial.usecase';
import { dialMetrics } from './usecases/dial-metrics';
import { enqueueStatusWebhooks } from './usecases/status-webhooks';
import { requestTestCall } from './usecases/studio.usecase';
import { seedNumber, seedTenant, usecaseDeps } from './usecases/usecase-deps.test-harness';
import { webhookMetrics } from './usecases/webhook-metrics';
import { createWebhookDelivery, RETRY_DELAYS_MS } from './workers/webhook-delivery.worker';

/** The value of one series in a scrape of `registry` (0 when it is absent: a counter that never moved). */
async function value(registry: Registry, series: string): Promise<number> {
  const line = (await registry.metrics()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

describe('dialer metrics', () => {
  const clock = new TestClock();

  describe('status webhooks: webhook_deliveries_total{result} and webhook_retry_backlog', () => {
    const registry = new Registry();
    const receiver = new WebhookReceiver();
    const deps = webhookDeps({ clock });
    const closed = webhookDeps({ clock, settings: { webhookAllowPrivateTargets: false } });
    for (const d of [deps, closed]) d.webhookMetrics = webhookMetrics(registry, { prisma: d.prisma, logger: d.logger });
    beforeAll(() => receiver.start());
    afterAll(async () => {
      await receiver.stop();
      await Promise.all([deps.db.close(), closed.db.close()]);
    });

    const queue = async (d: typeof deps, url: string) => {
      const tenantId = newId('tenant');
      const sessionId = await seedOutboundCall(d, { tenantId, webhookUrl: url });
      const event = lifecycleEvent({ tenantId, sessionId, state: 'ringing', occurredAt: clock.now() });
      await inTx(d, (tx) => enqueueStatusWebhooks(d, [event], tx));
    };

    it('a failed attempt counts as failed and joins the retry backlog; its successful retry counts as delivered and leaves it', async () => {
      const worker = createWebhookDelivery(deps, { random: () => 0 });
      await queue(deps, `${receiver.url}/hooks/a`);
      // Queued but not yet tried: not a retry.
      expect(await value(registry, 'webhook_retry_backlog')).toBe(0);

      receiver.reply(500);
      await worker.runOnce();
      expect(await value(registry, 'webhook_deliveries_total{result="failed"}')).toBe(1);
      expect(await value(registry, 'webhook_deliveries_total{result="delivered"}')).toBe(0);
      expect(await value(registry, 'webhook_retry_backlog')).toBe(1);

      clock.advance(RETRY_DELAYS_MS[0]!);
      await worker.runOnce();
      expect(await value(registry, 'webhook_deliveries_total{result="delivered"}')).toBe(1);
      expect(await value(registry, 'webhook_deliveries_total{result="failed"}')).toBe(1);
      expect(await value(registry, 'webhook_retry_backlog')).toBe(0);
    });

    it('a target it must never call is given up at once: gave_up', async () => {
      await queue(closed, `${receiver.url}/hooks/b`);
      await createWebhookDelivery(closed, { random: () => 0 }).runOnce();
      expect(await value(registry, 'webhook_deliveries_total{result="gave_up"}')).toBe(1);
      expect(await value(registry, 'webhook_retry_backlog')).toBe(0);
    });
  });

  describe('dial requests: dial_requests_admitted_total and dial_requests_refused_total{reason}', () => {
    const registry = new Registry();
    const deps = usecaseDeps({ clock });
    deps.dialMetrics = dialMetrics(registry);
    const log = createLogger({ name: 'dialer-metrics-spec', level: 'silent' });
    afterAll(() => deps.db.close());

    it('counts an admitted call by call type and a refusal by its code; a bad request is not a refusal', async () => {
      const t = await seedTenant(deps.prisma, 'Metrics');
      const from = await seedNumber(deps.prisma, t.tenantId, { provider: 'sip' });
      const off = await seedNumber(deps.prisma, t.tenantId, { outboundEnabled: false });
      await deps.prisma.doNotCallNumber.create({ data: { tenantId: t.tenantId, number: SANDBOX_NUMBERS.busy } });
      const who = { tenantId: t.tenantId, userId: t.userId };
      const later = new Date(clock.now().getTime() + 60_000).toISOString();
      const request = (over: Partial<DialRequest>): DialRequest => ({ agent_id: t.agentId, to_number: SANDBOX_NUMBERS.answers, from_number: from.number, scheduled_at: later, ...over });
      const settle = (p: Promise<unknown>) => p.then(() => 'ok', (e: { code?: string }) => e.code);

      expect(await settle(dialOutbound(deps, log, who, request({})))).toBe('ok');
      expect(await settle(dialOutbound(deps, log, who, request({ to_number: SANDBOX_NUMBERS.busy })))).toBe('do_not_call');
      expect(await settle(dialOutbound(deps, log, who, request({ from_number: off.number, scheduled_at: undefined })))).toBe('from_number_not_outbound');
      expect(await settle(dialOutbound(deps, log, who, request({ agent_id: newId('agent') })))).toBe('not_found');
      expect(await settle(requestTestCall(deps, who, { agent_id: t.agentId, to_number: '+442071838750' }))).toBe('test_call_unsupported_destination');

      expect(await value(registry, 'dial_requests_admitted_total{call_type="scheduled"}')).toBe(1);
      expect(await value(registry, 'dial_requests_refused_total{call_type="scheduled",reason="do_not_call"}')).toBe(1);
      expect(await value(registry, 'dial_requests_refused_total{call_type="production",reason="from_number_not_outbound"}')).toBe(1);
      expect(await value(registry, 'dial_requests_refused_total{call_type="studio_test",reason="test_call_unsupported_destination"}')).toBe(1);
      expect(await registry.metrics()).not.toMatch(/reason="not_found"/);
    });
  });
});

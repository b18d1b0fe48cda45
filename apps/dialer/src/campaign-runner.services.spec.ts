import { randomBytes } from 'node:crypto';
import { CallTransitions } from '@callplane/calls';
import { campaignCompletedWebhookSchema, newId } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { LiveKitSip } from '@callplane/livekit';
import { SecretBox } from '@callplane/service-kit';
import { bootTestService, FakeLiveKit, pollUntil, uniquePhoneNumber, type TestService } from '@callplane/testing';
import { createDialerModule } from './app';
import { ALWAYS, NO_RETRY } from './campaign.test-harness';
import { DEFAULT_SETTINGS, LIVEKIT_KEYS } from './dialer.test-harness';
import { WebhookReceiver } from './status-webhooks.test-harness';
import { seedNumber, seedTenant } from './usecases/usecase-deps.test-harness';

/**
 * Three dialer services on one database, each with everything `app.ts` starts (campaign runner, scheduler, the
 * `call.lifecycle` consumer, webhook delivery, its own outbox relay and pool): a campaign runs to its end across them
 * while one is stopped halfway, and each serves the campaign counters at `/metrics`.
 */
describe('campaigns on several dialer services', () => {
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const services: TestService[] = [];
  let receiver: WebhookReceiver;
  // Wall time flowing from a fixed weekday morning, so the campaign's windows never decide the outcome of the run.
  const started = Date.now();
  const now = () => new Date(Date.parse('2026-11-25T10:00:00Z') + (Date.now() - started));

  beforeAll(async () => {
    await livekit.start();
    receiver = await new WebhookReceiver().start();
    const secrets = new SecretBox(randomBytes(32));
    for (let i = 0; i < 3; i++) {
      services.push(
        await bootTestService({
          name: 'dialer',
          modules: ({ platform, routerDeps, registry }) => [
            createDialerModule({
              platform,
              routerDeps,
              registry,
              secrets,
              settings: { ...DEFAULT_SETTINGS, campaignRunnerIntervalMs: 50 },
              livekit: { url: livekit.url, ...LIVEKIT_KEYS },
              now,
            }),
          ],
        }),
      );
    }
  });
  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
    await receiver.stop();
    await livekit.stop();
  });

  it('runs a campaign to completion with one service stopped halfway: every contact called once, one campaign.completed', async () => {
    const prisma = services[0]!.prisma;
    const t = await seedTenant(prisma, 'Campaign services');
    const number = uniquePhoneNumber();
    const { trunkId } = await new LiveKitSip({ url: livekit.url, ...LIVEKIT_KEYS }).createOutbound({ number, name: 'campaign services', address: 'acme.pstn.twilio.com' });
    await seedNumber(prisma, t.tenantId, { number, trunkId });
    const campaignId = newId('campaign');
    await prisma.campaign.create({
      data: {
        id: campaignId,
        tenantId: t.tenantId,
        userId: t.userId,
        name: 'Renewals',
        agentId: t.agentId,
        fromNumbers: [number],
        timezone: 'UTC',
        windows: ALWAYS,
        concurrency: 4,
        maxCallsPerSecond: 20,
        retry: NO_RETRY,
        recipientHours: Prisma.DbNull,
        webhookUrl: `${receiver.url}/campaign`,
        status: 'running',
        launchedAt: now(),
      },
    });
    const total = 24;
    await prisma.campaignContact.createMany({
      data: Array.from({ length: total }, (_, i) => ({ id: newId('campaignContact'), campaignId, tenantId: t.tenantId, seq: i + 1, toNumber: uniquePhoneNumber(), context: { customer_name: `C${i}` } })),
    });
    // The callee side hangs up every call that is up, through the first service's relay.
    const transitions = new CallTransitions({ prisma, outbox: services[0]!.running.platform.relay });
    const hangUpAll = async () => {
      for (const s of await prisma.callSession.findMany({ where: { campaignId, status: 'in_progress' } })) await transitions.report({ call: { sessionId: s.id }, state: 'completed', at: now() });
    };
    const done = () => prisma.campaignContact.count({ where: { campaignId, state: 'completed' } });

    let maxCalling = 0;
    const sample = async () => (maxCalling = Math.max(maxCalling, await prisma.campaignContact.count({ where: { campaignId, state: 'calling' } })));
    const step = async (until: number) => {
      await sample();
      await hangUpAll();
      return (await done()) >= until;
    };
    await pollUntil(() => step(total / 2), { timeoutMs: 30_000, intervalMs: 20, description: 'half the list called' });
    await services[1]!.stop();
    await pollUntil(() => step(total), { timeoutMs: 30_000, intervalMs: 20, description: 'the whole list called' });

    expect(maxCalling).toBeLessThanOrEqual(4);
    const contacts = await prisma.campaignContact.findMany({ where: { campaignId } });
    expect(contacts.every((c) => c.attempts === 1 && c.state === 'completed')).toBe(true);
    expect(await prisma.callSession.count({ where: { campaignId } })).toBe(total);
    const dials = livekit.requestsTo('SIP', 'CreateSIPParticipant').filter((r) => contacts.some((c) => (r.body as { roomName?: string }).roomName?.endsWith(c.lastSessionId!)));
    expect(dials).toHaveLength(total);

    const completion = await pollUntil(() => receiver.received.find((w) => w.json.event === 'campaign.completed'), { timeoutMs: 15_000, description: 'campaign.completed delivered' });
    expect(receiver.received.filter((w) => w.json.event === 'campaign.completed')).toHaveLength(1);
    expect(campaignCompletedWebhookSchema.parse(completion.json)).toMatchObject({ campaign_id: campaignId, status: 'completed', counts: { total, completed: total } });
    expect(await prisma.campaign.findUniqueOrThrow({ where: { id: campaignId } })).toMatchObject({ status: 'completed' });

    // Every service that admitted or recorded something counts it on its own /metrics; together they saw the whole list.
    let admitted = 0;
    let completed = 0;
    for (const s of [services[0]!, services[2]!]) {
      const text = await (await fetch(`${s.url}/metrics`)).text();
      expect(text).toContain('campaign_admissions_refused_total');
      admitted += Number(/^campaign_calls_admitted_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
      completed += Number(/^campaign_contact_outcomes_total\{[^}]*outcome="completed"[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
    }
    expect(admitted).toBeGreaterThan(0);
    expect(completed).toBeGreaterThan(0);
    expect(admitted).toBeLessThanOrEqual(total);
  });
});

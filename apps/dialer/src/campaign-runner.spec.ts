import { campaignCompletedWebhookSchema, DEFAULT_RECIPIENT_HOURS, statusWebhookBodySchema } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { ALWAYS, useCampaignCluster } from './campaign.test-harness';
import { WebhookReceiver } from './status-webhooks.test-harness';
import { createWebhookDelivery } from './workers/webhook-delivery.worker';
import { createCampaignRunner } from './workers/campaign-runner.worker';
import { uniqueIndianNumber } from './usecases/usecase-deps.test-harness';

/**
 * The campaign runner against real PostgreSQL, rounds driven by hand on a test clock: admission under each limit,
 * calling hours, from-number rotation, the do-not-call list, and the campaign's own transitions. Calls are placed
 * through FakeLiveKit and stay up until the spec ends them; their ends reach the contacts through the real
 * `call.lifecycle` consumer.
 */
describe('campaign runner', () => {
  const cluster = useCampaignCluster();
  const { clock } = cluster;
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver.stop();
  });
  beforeEach(() => clock.set('2026-11-25T10:00:00Z'));

  const outcomeSettled = (campaignId: string) => pollUntil(async () => (await cluster.calling(campaignId)) === 0, { description: 'every call end recorded on its contact' });

  it('dials every contact once in upload order, completes when all are final, and sends one campaign.completed with the counts', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 3, webhookUrl: `${receiver.url}/campaigns` });
    const contacts = await cluster.contacts(campaignId, t.tenantId, 5);
    const r = cluster.replica();
    const runner = createCampaignRunner(r);

    const first = await runner.round();
    expect(first.admitted).toHaveLength(3);
    await cluster.drained();
    let rows = await cluster.contactRows(campaignId);
    expect(rows.map((c) => c.state)).toEqual(['calling', 'calling', 'calling', 'pending', 'pending']);
    expect(rows.slice(0, 3).every((c) => c.attempts === 1 && c.lastSessionId)).toBe(true);
    const calls = await cluster.prisma().outboundCall.findMany({ where: { campaignId }, orderBy: { createdAt: 'asc' } });
    expect(calls).toHaveLength(3);
    for (const call of calls) {
      const contact = rows.find((c) => c.lastSessionId === call.id)!;
      expect(call).toMatchObject({ callType: 'campaign', campaignContactId: contact.id, toNumber: contact.toNumber, context: contact.context, webhookUrl: `${receiver.url}/campaigns`, state: 'dispatched' });
      const session = await cluster.prisma().callSession.findUniqueOrThrow({ where: { id: call.id } });
      expect(session).toMatchObject({ callType: 'campaign', campaignId, status: 'in_progress' });
    }
    // At the limit: nothing more until a call ends.
    expect((await runner.round()).admitted).toHaveLength(0);

    await cluster.endCall(rows[0]!.lastSessionId!, 'completed');
    await pollUntil(async () => (await cluster.calling(campaignId)) === 2);
    expect((await runner.round()).admitted).toHaveLength(1);
    await cluster.drained();
    rows = await cluster.contactRows(campaignId);
    expect(rows[0]).toMatchObject({ state: 'completed', lastOutcome: 'completed', attempts: 1 });
    expect(rows[3]!.state).toBe('calling');

    await cluster.endCall(rows[1]!.lastSessionId!, 'completed');
    await pollUntil(async () => (await cluster.calling(campaignId)) === 2);
    expect((await runner.round()).admitted).toHaveLength(1);
    await cluster.drained();
    rows = await cluster.contactRows(campaignId);
    expect(rows.map((c) => c.state)).toEqual(['completed', 'completed', 'calling', 'calling', 'calling']);
    expect((await runner.round()).admitted).toHaveLength(0);
    await cluster.endCall(rows[2]!.lastSessionId!, 'failed');
    await cluster.endCall(rows[3]!.lastSessionId!, 'completed');
    await cluster.endCall(rows[4]!.lastSessionId!, 'failed');
    await outcomeSettled(campaignId);

    // Two replicas race to notice the end: one campaign.completed between them.
    await Promise.all([runner.round(), createCampaignRunner(cluster.replica()).round()]);
    await Promise.all([runner.round(), createCampaignRunner(cluster.replica()).round()]);
    const campaign = await cluster.prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign).toMatchObject({ status: 'completed', completedAt: clock.now() });
    const completions = await cluster.prisma().webhookDelivery.findMany({ where: { sessionId: campaignId } });
    expect(completions).toHaveLength(1);
    const body = campaignCompletedWebhookSchema.parse(JSON.parse(completions[0]!.body));
    expect(body).toMatchObject({ event: 'campaign.completed', campaign_id: campaignId, status: 'completed' });
    expect(body.counts).toEqual({ total: 5, pending: 0, calling: 0, retry_scheduled: 0, completed: 3, no_answer: 0, busy: 0, failed: 2, do_not_call: 0, canceled: 0 });
    expect(contacts.map((c) => c.id).sort()).toEqual((await cluster.contactRows(campaignId)).map((c) => c.id).sort());

    // Delivered through the signed status-webhook delivery, with the call's own status webhooks naming campaign and contact.
    const delivery = createWebhookDelivery(cluster.replica(), { random: () => 0 });
    await pollUntil(async () => {
      await delivery.runOnce();
      return receiver.received.filter((w) => w.path === '/campaigns' && w.json.event === 'campaign.completed').length === 1;
    });
    const statusHooks = receiver.received.filter((w) => w.json.event !== 'campaign.completed').map((w) => statusWebhookBodySchema.parse(w.json));
    expect(statusHooks.length).toBeGreaterThan(0);
    for (const hook of statusHooks) {
      expect(hook.campaign_id).toBe(campaignId);
      expect(rows.find((c) => c.lastSessionId === hook.session_id)?.id).toBe(hook.contact_id);
    }
    expect(cluster.dialsPerRoom().size).toBeGreaterThanOrEqual(5);
    for (const c of rows) expect(cluster.dialsPerRoom().get(cluster.roomOf(c.lastSessionId!))).toBe(1);
  });

  it('outside every window nothing is dialed; a contact outside its own hours waits while the others go, then goes', async () => {
    const t = await cluster.tenant(1);
    // 09:00–17:00 in New York is 14:00–22:00Z in November.
    const campaignId = await cluster.campaign(t, {
      timezone: 'America/New_York',
      windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: '17:00' }],
      recipientHours: DEFAULT_RECIPIENT_HOURS,
      concurrency: 10,
    });
    const [pacific, us, india] = await cluster.contacts(campaignId, t.tenantId, [
      { timezone: 'America/Los_Angeles' }, // 08:00 PST is 16:00Z
      {}, // a US number: the campaign's zone
      { toNumber: uniqueIndianNumber() }, // Asia/Kolkata from its country: 21:00 IST is 15:30Z
    ]);
    const r = cluster.replica();
    const runner = createCampaignRunner(r);

    clock.set('2026-11-25T13:30:00Z'); // 08:30 in New York: before the window
    expect((await runner.round()).admitted).toHaveLength(0);
    expect(await cluster.prisma().outboundCall.count({ where: { campaignId } })).toBe(0);

    clock.set('2026-11-25T15:00:00Z'); // 10:00 EST, 07:00 PST, 20:30 IST
    const second = await runner.round();
    await cluster.drained();
    const state = async () => Object.fromEntries((await cluster.contactRows(campaignId)).map((c) => [c.id, c.state]));
    expect(second.admitted).toHaveLength(2);
    expect(await state()).toEqual({ [pacific!.id]: 'pending', [us!.id]: 'calling', [india!.id]: 'calling' });
    expect(await r.campaignMetrics!.refused.get()).toMatchObject({ values: expect.arrayContaining([expect.objectContaining({ labels: { reason: 'hours' } })]) });

    clock.set('2026-11-25T15:59:00Z'); // 07:59 PST: still waiting
    expect((await runner.round()).admitted).toHaveLength(0);
    clock.set('2026-11-25T16:00:00Z'); // 08:00 PST
    expect((await runner.round()).admitted).toHaveLength(1);
    await cluster.drained();
    expect((await state())[pacific!.id]).toBe('calling');
  });

  it('a long run of contacts outside their hours at the head of the list does not starve the ones behind it', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { timezone: 'UTC', recipientHours: DEFAULT_RECIPIENT_HOURS, concurrency: 10 });
    // 10:00Z is midnight in Honolulu (UTC−10): the first 25 contacts wait, the three behind them (UTC) may go.
    const asleep = Array.from({ length: 25 }, () => ({ timezone: 'Pacific/Honolulu' }));
    const rows = await cluster.contacts(campaignId, t.tenantId, [...asleep, {}, {}, {}]);
    const runner = createCampaignRunner(cluster.replica(), { scanLimit: 10 });
    const admitted: string[] = [];
    for (let i = 0; i < 4; i++) admitted.push(...(await runner.round()).admitted.map((x) => x.id));
    await cluster.drained();
    expect(admitted).toHaveLength(3);
    const byState = await cluster.contactRows(campaignId);
    expect(byState.slice(25).map((c) => c.state)).toEqual(['calling', 'calling', 'calling']);
    expect(byState.slice(0, 25).every((c) => c.state === 'pending')).toBe(true);
    expect(rows).toHaveLength(28);
  });

  it('a resumed scan that wraps round the list stops where it began: no contact is picked, or called, twice', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { timezone: 'UTC', recipientHours: DEFAULT_RECIPIENT_HOURS, concurrency: 10 });
    // Twelve asleep (Honolulu at 10:00Z), then two awake. The first round spends its budget on the first ten asleep.
    const rows = await cluster.contacts(campaignId, t.tenantId, [...Array.from({ length: 12 }, () => ({ timezone: 'Pacific/Honolulu' })), {}, {}]);
    const runner = createCampaignRunner(cluster.replica(), { scanLimit: 10 });
    expect((await runner.round()).admitted).toHaveLength(0);
    // The waiting list shrinks before the next round (here: eight of the asleep leave it), so the next scan, resuming
    // after the tenth, reaches the end, wraps, and would have budget left to run past where it began.
    const bySeq = (await cluster.contactRows(campaignId)).slice(0, 8).map((c) => c.id);
    await cluster.prisma().campaignContact.updateMany({ where: { id: { in: bySeq } }, data: { state: 'do_not_call' } });
    const second = await runner.round();
    await cluster.drained();
    expect(second.admitted).toHaveLength(2);
    const calls = await cluster.prisma().outboundCall.groupBy({ by: ['campaignContactId'], where: { campaignId }, _count: true });
    expect(calls.map((c) => c._count)).toEqual([1, 1]);
    expect(rows).toHaveLength(14);
  });

  it('uses the from-numbers in rotation; one disabled mid-run drops out, none left leaves contacts waiting until one is back', async () => {
    const t = await cluster.tenant(3);
    const [a, b, c] = t.from;
    const campaignId = await cluster.campaign(t, { concurrency: 100 });
    await cluster.contacts(campaignId, t.tenantId, 12);
    const r = cluster.replica();
    const runner = createCampaignRunner(r, { batchSize: 4 });
    const fromOf = async (ids: string[]) => {
      const calls = await cluster.prisma().outboundCall.findMany({ where: { id: { in: ids } } });
      const contacts = await cluster.prisma().campaignContact.findMany({ where: { lastSessionId: { in: ids } } });
      return contacts.sort((x, y) => x.seq - y.seq).map((k) => calls.find((call) => call.id === k.lastSessionId)!.fromNumber);
    };

    const first = await runner.round();
    expect(await fromOf(first.admitted.map((x) => x.id))).toEqual([a!.number, b!.number, c!.number, a!.number]);

    await cluster.prisma().phoneNumber.update({ where: { id: b!.id }, data: { outboundEnabled: false } });
    const second = await runner.round();
    expect(await fromOf(second.admitted.map((x) => x.id))).toEqual([c!.number, a!.number, c!.number, a!.number]);

    await cluster.prisma().phoneNumber.delete({ where: { id: c!.id } });
    await cluster.prisma().phoneNumber.update({ where: { id: a!.id }, data: { state: 'needs_attention' } });
    expect((await runner.round()).admitted).toHaveLength(0);
    expect(await cluster.prisma().campaignContact.count({ where: { campaignId, state: 'pending' } })).toBe(4);
    const refused = await r.campaignMetrics!.refused.get();
    expect(refused.values.find((v) => v.labels.reason === 'no_from_number')?.value).toBe(1);

    await cluster.prisma().phoneNumber.update({ where: { id: b!.id }, data: { outboundEnabled: true } });
    const fourth = await runner.round();
    expect(await fromOf(fourth.admitted.map((x) => x.id))).toEqual([b!.number, b!.number, b!.number, b!.number]);
    await cluster.drained();
  });

  it('reads the do-not-call list at each contact’s turn: a listed contact becomes do_not_call and is never dialed', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 10 });
    const contacts = await cluster.contacts(campaignId, t.tenantId, 4);
    // Listed after the upload, before its turn; another tenant's list does not count.
    await cluster.prisma().doNotCallNumber.create({ data: { tenantId: t.tenantId, number: contacts[1]!.toNumber } });
    await cluster.prisma().doNotCallNumber.create({ data: { tenantId: 'ten_someone_else', number: contacts[2]!.toNumber } });
    const r = cluster.replica();
    const round = await createCampaignRunner(r).round();
    await cluster.drained();
    expect(round.admitted).toHaveLength(3);
    const rows = await cluster.contactRows(campaignId);
    expect(rows.map((c) => c.state)).toEqual(['calling', 'do_not_call', 'calling', 'calling']);
    expect(rows[1]).toMatchObject({ attempts: 0, lastSessionId: null });
    expect(await cluster.prisma().outboundCall.count({ where: { toNumber: contacts[1]!.toNumber } })).toBe(0);
    expect((await r.campaignMetrics!.refused.get()).values.find((v) => v.labels.reason === 'do_not_call')?.value).toBe(1);
  });

  it('a call admitted ahead of its pace slot is dispatched at the slot, and a drain that looks once waits for it', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 10, maxCallsPerSecond: 5 });
    await cluster.contacts(campaignId, t.tenantId, 5);
    const r = cluster.replica();
    const { admitted } = await createCampaignRunner(r, { intervalMs: 200 }).round();
    // 400 ms of horizon at one call per 200 ms: now, and 200 ms from now.
    expect(admitted.map((a) => a.at.getTime() - clock.now().getTime())).toEqual([0, 200]);
    // What the module's stop() does after the loops stopped.
    await Promise.allSettled([...r.inflight]);
    expect(await cluster.prisma().callSession.count({ where: { id: { in: admitted.map((a) => a.id) } } })).toBe(2);
    expect(r.inflight.size).toBe(0);
  });

  it('starts a scheduled campaign at its start_at, not before', async () => {
    const t = await cluster.tenant(1);
    const startAt = new Date(clock.now().getTime() + 60_000);
    const campaignId = await cluster.campaign(t, { status: 'scheduled', startAt });
    await cluster.contacts(campaignId, t.tenantId, 2);
    const runner = createCampaignRunner(cluster.replica());
    clock.set(new Date(startAt.getTime() - 1).toISOString());
    expect((await runner.round()).admitted).toHaveLength(0);
    expect((await cluster.prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('scheduled');
    clock.set(startAt.toISOString());
    expect((await runner.round()).admitted).toHaveLength(2);
    expect((await cluster.prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('running');
    await cluster.drained();
  });

  it('end_at closes the campaign: contacts not final are canceled, a call still up keeps its outcome beside canceled, one campaign.completed', async () => {
    const t = await cluster.tenant(1);
    const endAt = new Date(clock.now().getTime() + 10 * 60_000);
    const campaignId = await cluster.campaign(t, { concurrency: 1, endAt, webhookUrl: `${receiver.url}/end-at`, retry: { max_attempts: 3, backoff_seconds: 60, on: ['no_answer'] } });
    await cluster.contacts(campaignId, t.tenantId, 3);
    const runner = createCampaignRunner(cluster.replica());
    await runner.round();
    await cluster.drained();
    const [up] = await cluster.contactRows(campaignId);

    clock.set(endAt.toISOString());
    await runner.round();
    const campaign = await cluster.prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } });
    expect(campaign).toMatchObject({ status: 'completed', completedAt: endAt });
    expect((await cluster.contactRows(campaignId)).map((c) => c.state)).toEqual(['canceled', 'canceled', 'canceled']);
    const [completion] = await cluster.prisma().webhookDelivery.findMany({ where: { sessionId: campaignId } });
    expect(JSON.parse(completion!.body).counts).toMatchObject({ total: 3, canceled: 3, calling: 0, pending: 0 });

    // The call that was up ends later, answered: its outcome is kept, the contact stays canceled, nothing is retried or re-sent.
    clock.advance(30_000);
    await cluster.endCall(up!.lastSessionId!, 'completed');
    await pollUntil(async () => (await cluster.contactRows(campaignId))[0]!.lastOutcome === 'completed');
    // Answered when it was placed (10:00), ended 30 s after end_at (10:10:30).
    expect((await cluster.contactRows(campaignId))[0]).toMatchObject({ state: 'canceled', durationSeconds: 630 });
    await runner.round();
    expect(await cluster.prisma().webhookDelivery.count({ where: { sessionId: campaignId } })).toBe(1);
    expect(await cluster.prisma().outboundCall.count({ where: { campaignId } })).toBe(1);
  });

  it('a campaign canceled through the API sends campaign.completed with status canceled once its last call has ended, and retries nothing', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 1, webhookUrl: `${receiver.url}/canceled`, retry: { max_attempts: 3, backoff_seconds: 0, on: ['failed'] } });
    await cluster.contacts(campaignId, t.tenantId, 3);
    const runner = createCampaignRunner(cluster.replica());
    await runner.round();
    await cluster.drained();
    const [up] = await cluster.contactRows(campaignId);
    // What the API's cancel writes: the campaign, and the contacts not yet called.
    await cluster.prisma().$transaction([
      cluster.prisma().campaign.update({ where: { id: campaignId }, data: { status: 'canceled' } }),
      cluster.prisma().campaignContact.updateMany({ where: { campaignId, state: 'pending' }, data: { state: 'canceled' } }),
    ]);
    await runner.round();
    expect(await cluster.prisma().webhookDelivery.count({ where: { sessionId: campaignId } })).toBe(0);

    await cluster.endCall(up!.lastSessionId!, 'failed');
    await outcomeSettled(campaignId);
    expect((await cluster.contactRows(campaignId))[0]).toMatchObject({ state: 'failed', attempts: 1, nextAttemptAt: null });
    await Promise.all([runner.round(), createCampaignRunner(cluster.replica()).round()]);
    await runner.round();
    const deliveries = await cluster.prisma().webhookDelivery.findMany({ where: { sessionId: campaignId } });
    expect(deliveries).toHaveLength(1);
    expect(JSON.parse(deliveries[0]!.body)).toMatchObject({ status: 'canceled', counts: { total: 3, failed: 1, canceled: 2 } });
    expect((await cluster.prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).completionSentAt).not.toBeNull();
  });

  it('pause stops admissions at the next round of every replica; resume goes on', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 100, windows: ALWAYS });
    await cluster.contacts(campaignId, t.tenantId, 30);
    const runners = [cluster.replica(), cluster.replica(), cluster.replica()].map((r) => createCampaignRunner(r, { batchSize: 3 }));
    const inTurn = async () => {
      const out = [];
      for (const x of runners) out.push(await x.round());
      return out;
    };
    await inTurn();
    const before = await cluster.prisma().outboundCall.count({ where: { campaignId } });
    expect(before).toBe(9);

    await cluster.prisma().campaign.update({ where: { id: campaignId }, data: { status: 'paused' } });
    const afterPause = await inTurn();
    expect(afterPause.flatMap((x) => x.admitted)).toHaveLength(0);
    expect(await cluster.prisma().outboundCall.count({ where: { campaignId } })).toBe(before);

    await cluster.prisma().campaign.update({ where: { id: campaignId }, data: { status: 'running' } });
    const resumed = await inTurn();
    expect(resumed.flatMap((x) => x.admitted)).toHaveLength(9);
    await cluster.drained();
  });
});

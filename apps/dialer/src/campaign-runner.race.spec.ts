import { openOutboundSession } from '@callplane/calls';
import { TOPICS } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { useCampaignCluster } from './campaign.test-harness';
import { DIALER_CALL_PROGRESS_GROUP } from './consumers/call-progress.consumer';
import { createCampaignRunner, startCampaignRunner } from './workers/campaign-runner.worker';
import { runSchedulerRound } from './workers/scheduler.worker';

/**
 * The campaign runner's limits with several replicas on one PostgreSQL database, each with its own connection pool:
 * pace and concurrency hold across replicas, retries count each call end once, and a replica that dies between its
 * admission and the dispatch loses no contact and dials none twice.
 */
describe('campaign runner across replicas', () => {
  const cluster = useCampaignCluster();
  const { clock } = cluster;
  beforeEach(() => clock.set('2026-11-25T10:00:00Z'));

  it('three replicas racing every round admit no more than max_calls_per_second per simulated second, and use every slot', async () => {
    const t = await cluster.tenant(1);
    const rate = 5;
    const campaignId = await cluster.campaign(t, { concurrency: 1000, maxCallsPerSecond: rate });
    await cluster.contacts(campaignId, t.tenantId, 150);
    const runners = [cluster.replica(), cluster.replica(), cluster.replica()].map((r) => createCampaignRunner(r, { intervalMs: 200 }));
    const t0 = clock.now().getTime();
    const seconds = 10;
    // Rounds every 100 ms of simulated time, the three replicas at once, twice at each instant (a replica that waited
    // for the lock comes in right after another admitted).
    for (let ms = 0; ms < seconds * 1000; ms += 100) {
      clock.set(new Date(t0 + ms).toISOString());
      await Promise.all(runners.map((x) => x.round()));
      await Promise.all(runners.map((x) => x.round()));
    }
    await cluster.drained();

    const slots = (await cluster.prisma().campaignContact.findMany({ where: { campaignId, claimedAt: { not: null } }, select: { claimedAt: true } }))
      .map((c) => c.claimedAt!.getTime() - t0)
      .sort((a, b) => a - b);
    const perSecond = new Map<number, number>();
    for (const s of slots) perSecond.set(Math.floor(s / 1000), (perSecond.get(Math.floor(s / 1000)) ?? 0) + 1);
    for (let k = 0; k < seconds; k++) expect([k, perSecond.get(k)]).toEqual([k, rate]);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBeGreaterThanOrEqual(1000 / rate);
    // Slots are handed out at most the pace horizon (2 rounds, 400 ms) ahead of the last round.
    expect(slots[slots.length - 1]!).toBeLessThan(seconds * 1000 - 100 + 400);
    expect(await cluster.prisma().outboundCall.count({ where: { campaignId } })).toBe(slots.length);
    // Each admitted call is placed once.
    const sessions = await cluster.prisma().callSession.findMany({ where: { campaignId } });
    expect(sessions).toHaveLength(slots.length);
    for (const room of sessions.map((s) => cluster.roomOf(s.id))) expect(cluster.dialsPerRoom().get(room)).toBe(1);
  });

  it('four replicas running their loops never have more than `concurrency` calls up, while the calls are held open and ended one by one', async () => {
    const t = await cluster.tenant(2);
    const concurrency = 7;
    const campaignId = await cluster.campaign(t, { concurrency });
    const contacts = await cluster.contacts(campaignId, t.tenantId, 60);
    const replicas = [cluster.replica(), cluster.replica(), cluster.replica(), cluster.replica()];
    const loops = replicas.map((r) => startCampaignRunner(r, { intervalMs: 5, batchSize: 3 }));
    let maxCalling = 0;
    let maxLive = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const [calling, live] = await Promise.all([cluster.calling(campaignId), cluster.liveSessions(campaignId)]);
        maxCalling = Math.max(maxCalling, calling);
        maxLive = Math.max(maxLive, live);
        await new Promise((r) => setImmediate(r));
      }
    })();
    try {
      // The callee side: hang up one call that is up at a time, until every contact is done.
      await pollUntil(
        async () => {
          const up = await cluster.prisma().callSession.findFirst({ where: { campaignId, status: 'in_progress' }, orderBy: { createdAt: 'asc' } });
          if (up) await cluster.endCall(up.id, 'completed');
          return (await cluster.prisma().campaignContact.count({ where: { campaignId, state: 'completed' } })) === contacts.length;
        },
        { timeoutMs: 60_000, intervalMs: 5, description: 'every contact called and hung up' },
      );
    } finally {
      sampling = false;
      await sampler;
      await Promise.all(loops.map((l) => l.stop()));
    }
    expect(maxCalling).toBeLessThanOrEqual(concurrency);
    expect(maxLive).toBeLessThanOrEqual(concurrency);
    // The limit was reached, not just never approached.
    expect(maxCalling).toBe(concurrency);
    const rows = await cluster.contactRows(campaignId);
    expect(rows.every((c) => c.attempts === 1)).toBe(true);
    for (const c of rows) expect(cluster.dialsPerRoom().get(cluster.roomOf(c.lastSessionId!))).toBe(1);
    expect(await cluster.prisma().callSession.count({ where: { campaignId } })).toBe(contacts.length);
    // The loops may have stopped right after the last hang-up was recorded: one more round notices the end.
    await createCampaignRunner(replicas[0]!).round();
    expect((await cluster.prisma().campaign.findUniqueOrThrow({ where: { id: campaignId } })).status).toBe('completed');
  });

  it('retries an outcome in retry.on after backoff_seconds, up to max_attempts; a late or repeated report of an earlier call counts nothing', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 5, retry: { max_attempts: 3, backoff_seconds: 60, on: ['no_answer', 'busy'] } });
    const [contact] = await cluster.contacts(campaignId, t.tenantId, 1);
    const runner = createCampaignRunner(cluster.replica());
    const row = () => cluster.prisma().campaignContact.findUniqueOrThrow({ where: { id: contact!.id } });

    // Attempt 1: nobody answers (SIP 480).
    cluster.livekit.failSipCall(480);
    expect((await runner.round()).admitted).toHaveLength(1);
    await cluster.drained();
    await pollUntil(async () => (await row()).state === 'retry_scheduled');
    const first = await row();
    expect(first).toMatchObject({ attempts: 1, lastOutcome: 'no_answer', nextAttemptAt: new Date(clock.now().getTime() + 60_000) });

    clock.advance(59_999);
    expect((await runner.round()).admitted).toHaveLength(0);
    clock.advance(1);
    // Attempt 2: busy (SIP 486).
    cluster.livekit.failSipCall(486);
    expect((await runner.round()).admitted).toHaveLength(1);
    await cluster.drained();
    await pollUntil(async () => (await row()).attempts === 2 && (await row()).state === 'retry_scheduled');
    const second = await row();
    expect(second).toMatchObject({ lastOutcome: 'busy', nextAttemptAt: new Date(clock.now().getTime() + 60_000) });
    expect(second.lastSessionId).not.toBe(first.lastSessionId);

    // The first call's end reported again (another source, a new event id) and the same event delivered twice: nothing moves.
    const late = await cluster.redeliverCurrentState(first.lastSessionId!);
    await cluster.bus().publish(TOPICS.callLifecycle, [late]);
    const again = await cluster.redeliverCurrentState(second.lastSessionId!);
    for (const id of [late.id, again.id]) {
      await pollUntil(() => cluster.prisma().processedEvent.findUnique({ where: { consumer_eventId: { consumer: DIALER_CALL_PROGRESS_GROUP, eventId: id } } }), { description: 'the repeated report handled' });
    }
    expect(await row()).toEqual(second);

    // Attempt 3, the last: no answer again, and final.
    clock.advance(60_000);
    cluster.livekit.failSipCall(480);
    expect((await runner.round()).admitted).toHaveLength(1);
    await cluster.drained();
    await pollUntil(async () => (await row()).state === 'no_answer');
    expect(await row()).toMatchObject({ attempts: 3, lastOutcome: 'no_answer', nextAttemptAt: null });
    clock.advance(3600_000);
    expect((await runner.round()).admitted).toHaveLength(0);
    expect(await cluster.prisma().outboundCall.count({ where: { campaignId } })).toBe(3);
  });

  it('an outcome not in retry.on is final at once; an answered call is completed with its duration', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 1, retry: { max_attempts: 5, backoff_seconds: 0, on: ['no_answer'] } });
    const [failing, answering] = await cluster.contacts(campaignId, t.tenantId, 2);
    const runner = createCampaignRunner(cluster.replica());
    cluster.livekit.failSipCall(503);
    await runner.round();
    await cluster.drained();
    await pollUntil(async () => (await cluster.calling(campaignId)) === 0);
    expect(await cluster.prisma().campaignContact.findUniqueOrThrow({ where: { id: failing!.id } })).toMatchObject({ state: 'failed', attempts: 1, lastOutcome: 'failed' });

    await runner.round();
    await cluster.drained();
    const up = await cluster.prisma().campaignContact.findUniqueOrThrow({ where: { id: answering!.id } });
    clock.advance(42_000);
    await cluster.endCall(up.lastSessionId!, 'completed');
    await pollUntil(async () => (await cluster.calling(campaignId)) === 0);
    expect(await cluster.prisma().campaignContact.findUniqueOrThrow({ where: { id: answering!.id } })).toMatchObject({ state: 'completed', attempts: 1, durationSeconds: 42 });
  });

  it('a replica that dies between its admission and the dispatch loses no contact: the scheduler of another replica places its calls once they are stale, each once', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 20 });
    const contacts = await cluster.contacts(campaignId, t.tenantId, 30);
    // Replica A commits its admissions and dies before dispatching any of them.
    const dead = createCampaignRunner(cluster.replica(), { batchSize: 8, dispatch: () => undefined });
    const [b, c] = [cluster.replica(), cluster.replica()];
    const live = [createCampaignRunner(b, { batchSize: 5 }), createCampaignRunner(c, { batchSize: 5 })];
    const orphaned = (await dead.round()).admitted.map((x) => x.id);
    expect(orphaned).toHaveLength(8);
    for (const x of live) await x.round();
    await cluster.drained();
    // The limit counts A's orphans: they are contacts in `calling` until their calls end.
    expect(await cluster.calling(campaignId)).toBe(18);
    expect(await runSchedulerRound(b)).toEqual([]);
    expect(await cluster.prisma().outboundCall.count({ where: { id: { in: orphaned }, state: 'dispatching' } })).toBe(8);

    clock.advance(60_001);
    const reclaimed = [...(await runSchedulerRound(b)), ...(await runSchedulerRound(c))];
    expect(reclaimed.sort()).toEqual([...orphaned].sort());
    await cluster.drained();

    // The rest of the list goes on; every call is hung up as it comes up.
    await pollUntil(
      async () => {
        for (const s of await cluster.prisma().callSession.findMany({ where: { campaignId, status: 'in_progress' } })) await cluster.endCall(s.id, 'completed');
        for (const x of live) await x.round();
        await cluster.drained();
        return (await cluster.prisma().campaignContact.count({ where: { campaignId, state: 'completed' } })) === contacts.length;
      },
      { timeoutMs: 30_000, description: 'every contact called' },
    );
    const rows = await cluster.contactRows(campaignId);
    expect(rows.every((r) => r.attempts === 1)).toBe(true);
    for (const r of rows) {
      expect(await cluster.prisma().callSession.count({ where: { campaignId, toNumber: r.toNumber } })).toBe(1);
      expect(cluster.dialsPerRoom().get(cluster.roomOf(r.lastSessionId!))).toBe(1);
    }
  });

  it('a replica that dies after opening the session, before LiveKit answered the dial: the call ends failed (dispatch_lost) past the ringing timeout, and the contact follows its retry policy', async () => {
    const t = await cluster.tenant(1);
    const campaignId = await cluster.campaign(t, { concurrency: 5, retry: { max_attempts: 2, backoff_seconds: 30, on: ['failed'] } });
    const [contact] = await cluster.contacts(campaignId, t.tenantId, 1);
    const dying = cluster.replica();
    const [admitted] = (await createCampaignRunner(dying, { dispatch: () => undefined }).round()).admitted;
    // What the dispatch's first transaction leaves when its process dies right after it: the session, and no dial.
    const call = await cluster.prisma().outboundCall.findUniqueOrThrow({ where: { id: admitted!.id } });
    await cluster.prisma().$transaction(async (tx) => {
      await tx.outboundCall.update({ where: { id: call.id }, data: { state: 'dispatched', roomName: cluster.roomOf(call.id), dispatchedAt: clock.now() } });
      await openOutboundSession(tx, { id: call.id, tenantId: call.tenantId, agentId: call.agentId, phoneNumberId: call.fromPhoneId, callType: 'campaign', fromNumber: call.fromNumber, toNumber: call.toNumber, provider: 'twilio', roomName: cluster.roomOf(call.id), campaignId, at: clock.now() });
    });
    const runner = createCampaignRunner(cluster.replica());

    // The ringing timeout (30 s) and a minute's grace: until then the dial may still be on its way.
    clock.advance(90_000);
    await runner.round();
    expect(await cluster.prisma().callSession.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({ status: 'initiating' });

    clock.advance(5_001);
    await runner.round();
    expect(await cluster.prisma().callSession.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({ status: 'failed', endReason: 'dispatch_lost' });
    await pollUntil(async () => (await cluster.prisma().campaignContact.findUniqueOrThrow({ where: { id: contact!.id } })).state === 'retry_scheduled');

    clock.advance(30_000);
    const retried = await runner.round();
    await cluster.drained();
    expect(retried.admitted).toHaveLength(1);
    const row = await cluster.prisma().campaignContact.findUniqueOrThrow({ where: { id: contact!.id } });
    expect(row).toMatchObject({ state: 'calling', attempts: 2 });
    expect(await cluster.prisma().callSession.findUniqueOrThrow({ where: { id: row.lastSessionId! } })).toMatchObject({ status: 'in_progress' });
    expect(cluster.dialsPerRoom().get(cluster.roomOf(call.id))).toBeUndefined();
    expect(cluster.dialsPerRoom().get(cluster.roomOf(row.lastSessionId!))).toBe(1);
  });
});

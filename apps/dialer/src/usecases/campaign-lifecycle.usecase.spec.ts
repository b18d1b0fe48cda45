import { Readable } from 'node:stream';
import { newId, SANDBOX_NUMBERS, sandboxLoadNumber, type CampaignCreate } from '@callplane/contracts';
import { LiveKitCalls } from '@callplane/livekit';
import { AppError, createLogger } from '@callplane/service-kit';
import { numberBlock } from '../campaigns.test-harness';
import { FakeLiveKit } from '@callplane/testing';
import { LIVEKIT_KEYS, TestClock } from '../dialer.test-harness';
import { cancelCampaign, launchCampaign, pauseCampaign, resumeCampaign } from './campaign-lifecycle.usecase';
import { createCampaign, updateCampaign } from './campaigns.usecase';
import { importContacts } from './contacts-import.usecase';
import { seedNumber, seedTenant, usecaseDeps } from './usecase-deps.test-harness';

/**
 * Campaign decisions called directly, with two dialer replicas (each its own connection pool) on one database:
 * what each transition accepts, and that racing requests on different replicas move a campaign once.
 */
describe('campaign lifecycle', () => {
  const clock = new TestClock();
  // Replicas with LiveKit configured (real numbers can be called; none is, here), and one of the sandbox (none).
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  const a = usecaseDeps({ clock });
  const b = usecaseDeps({ clock });
  const sandbox = usecaseDeps({ clock });
  const { prisma } = a;
  const log = createLogger({ name: 'campaign-lifecycle-spec', level: 'silent' });
  beforeAll(async () => {
    await livekit.start();
    for (const replica of [a, b]) replica.livekit = new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS });
  });
  afterAll(async () => {
    await Promise.all([a.db.close(), b.db.close(), sandbox.db.close()]);
    await livekit.stop();
  });

  async function owner() {
    const t = await seedTenant(prisma, 'Lifecycle');
    const from = await seedNumber(prisma, t.tenantId);
    return { ...t, from, who: { tenantId: t.tenantId, userId: t.userId } };
  }
  type Owner = Awaited<ReturnType<typeof owner>>;
  const input = (o: Owner, over: Partial<CampaignCreate> = {}): CampaignCreate => ({
    name: 'Reminders',
    agent_id: o.agentId,
    from_numbers: [o.from.number],
    timezone: 'Asia/Kolkata',
    windows: [{ days: ['mon'], start: '10:00', end: '12:00' }],
    concurrency: 5,
    retry: { max_attempts: 2, backoff_seconds: 60, on: ['busy'] },
    ...over,
  });
  async function campaignWith(o: Owner, contacts: number, over: Partial<CampaignCreate> = {}) {
    const c = await createCampaign(a, log, o.who, input(o, over));
    if (contacts) await importContacts(a, log, o.tenantId, c.id, { kind: 'json', contacts: numberBlock(contacts, 90_000).map((to_number) => ({ to_number })) });
    return c.id;
  }
  const status = async (id: string) => (await prisma.campaign.findUniqueOrThrow({ where: { id } })).status;
  const settle = <T>(ps: Array<Promise<T>>) => Promise.allSettled(ps);
  const codes = (rs: Array<PromiseSettledResult<unknown>>) => rs.map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason instanceof AppError ? r.reason.code : String(r.reason)));

  it('without LiveKit, a launch with a real number among the contacts is refused at once (409 livekit_not_configured, naming it); sandbox contacts launch', async () => {
    const o = await owner();
    const mixed = await createCampaign(sandbox, log, o.who, input(o));
    const real = numberBlock(1, 95_000)[0]!;
    await importContacts(sandbox, log, o.tenantId, mixed.id, { kind: 'json', contacts: [{ to_number: SANDBOX_NUMBERS.answers }, { to_number: real }, { to_number: sandboxLoadNumber(5) }] });
    const err = await launchCampaign(sandbox, log, o.tenantId, mixed.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect({ status: (err as AppError).status, code: (err as AppError).code }).toEqual({ status: 409, code: 'livekit_not_configured' });
    expect((err as AppError).message).toContain(real);
    expect((err as AppError).message).toContain('LIVEKIT_URL');
    expect(await status(mixed.id)).toBe('draft');

    const sandboxOnly = await createCampaign(sandbox, log, o.who, input(o));
    await importContacts(sandbox, log, o.tenantId, sandboxOnly.id, { kind: 'json', contacts: [{ to_number: SANDBOX_NUMBERS.answers }, { to_number: sandboxLoadNumber(5) }] });
    expect((await launchCampaign(sandbox, log, o.tenantId, sandboxOnly.id)).status).toBe('running');
    // Another tenant's campaign is still not found, before anything about its contacts is said.
    const other = await owner();
    expect(await launchCampaign(sandbox, log, other.tenantId, mixed.id).catch((e: unknown) => (e as AppError).code)).toBe('not_found');
  });

  it('launch is running from exactly start_at on, scheduled before it', async () => {
    const o = await owner();
    const at = new Date(clock.now().getTime() + 60_000).toISOString();
    const early = await campaignWith(o, 1, { start_at: at });
    expect((await launchCampaign(a, log, o.tenantId, early)).status).toBe('scheduled');
    clock.advance(60_000);
    const onTime = await campaignWith(o, 1, { start_at: at });
    expect((await launchCampaign(a, log, o.tenantId, onTime)).status).toBe('running');
  });

  it('a from-number that lost outbound calling or is not active is refused at create and patch, naming the entry', async () => {
    const o = await owner();
    const id = await campaignWith(o, 0);
    const off = await seedNumber(prisma, o.tenantId, { outboundEnabled: false });
    const stuck = await seedNumber(prisma, o.tenantId, { state: 'needs_attention' });
    for (const attempt of [() => createCampaign(a, log, o.who, input(o, { from_numbers: [off.number, o.from.number, stuck.number] })), () => updateCampaign(a, log, o.tenantId, id, { from_numbers: [off.number, o.from.number, stuck.number] })]) {
      const err = await attempt().catch((e: unknown) => e);
      expect(err).toMatchObject({
        code: 'from_number_not_outbound',
        status: 422,
        details: [
          { field: 'from_numbers.0', message: `${off.number} does not have outbound calling enabled` },
          { field: 'from_numbers.2', message: `${stuck.number} is not ready for calls (state needs_attention)` },
        ],
      });
    }
    expect((await prisma.campaign.findUniqueOrThrow({ where: { id } })).fromNumbers).toEqual([o.from.number]);
    const missing = await createCampaign(a, log, o.who, input(o, { from_numbers: [o.from.number, '+14155550199'] })).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'not_found', message: '+14155550199 is not one of your phone numbers. Import it first, or list only your numbers in from_numbers.' });
  });

  it('patch keeps start_at and end_at in order against the stored values, and clears one with null', async () => {
    const o = await owner();
    const id = await campaignWith(o, 0, { start_at: '2026-12-01T00:00:00Z', end_at: '2026-12-31T00:00:00Z' });
    const err = await updateCampaign(a, log, o.tenantId, id, { start_at: '2027-01-01T00:00:00Z' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'validation_failed', details: [{ field: 'start_at', message: 'end_at must be after start_at' }] });
    expect(await updateCampaign(a, log, o.tenantId, id, { end_at: null, start_at: '2027-01-01T00:00:00Z' })).toMatchObject({ start_at: '2027-01-01T00:00:00.000Z', end_at: null });
  });

  it('launches, pauses, resumes and cancels racing on two replicas: each transition happens once', async () => {
    const o = await owner();
    const id = await campaignWith(o, 3);
    for (const run of [launchCampaign, pauseCampaign, resumeCampaign, cancelCampaign]) {
      const results = await settle(Array.from({ length: 6 }, (_, i) => run(i % 2 ? a : b, log, o.tenantId, id)));
      expect(codes(results).sort()).toEqual(['invalid_campaign_state', 'invalid_campaign_state', 'invalid_campaign_state', 'invalid_campaign_state', 'invalid_campaign_state', 'ok']);
    }
    expect(await status(id)).toBe('canceled');
    expect(await prisma.campaignContact.count({ where: { campaignId: id, state: 'canceled' } })).toBe(3);
  });

  it('a patch racing a resume on another replica: either the patch lands on the paused campaign, or it is refused once running', async () => {
    for (let round = 0; round < 5; round++) {
      const o = await owner();
      const id = await campaignWith(o, 1);
      await launchCampaign(a, log, o.tenantId, id);
      await pauseCampaign(a, log, o.tenantId, id);
      const [patch, resume] = await Promise.allSettled([updateCampaign(a, log, o.tenantId, id, { concurrency: 99 }), resumeCampaign(b, log, o.tenantId, id)]);
      expect(resume.status).toBe('fulfilled');
      const stored = await prisma.campaign.findUniqueOrThrow({ where: { id } });
      expect(stored.status).toBe('running');
      if (patch.status === 'fulfilled') expect(stored.concurrency).toBe(99);
      else expect({ code: codes([patch])[0], concurrency: stored.concurrency }).toEqual({ code: 'invalid_campaign_state', concurrency: 5 });
    }
  });

  it('uploads racing a cancel on another replica leave no contact pending in a canceled campaign', async () => {
    const csv = Buffer.from(`to_number\n${numberBlock(8_000, 40_000).join('\n')}\n`);
    for (let round = 0; round < 4; round++) {
      const o = await owner();
      const id = await campaignWith(o, 1);
      await launchCampaign(a, log, o.tenantId, id);
      const [upload, cancel] = await Promise.allSettled([importContacts(a, log, o.tenantId, id, { kind: 'csv', body: Readable.from([csv]) }), cancelCampaign(b, log, o.tenantId, id)]);
      expect(cancel.status).toBe('fulfilled');
      if (upload.status === 'rejected') expect(codes([upload])).toEqual(['invalid_campaign_state']);
      const states = await prisma.campaignContact.groupBy({ by: ['state'], where: { campaignId: id }, _count: true });
      expect(states).toEqual([{ state: 'canceled', _count: upload.status === 'fulfilled' ? 8_001 : 1 }]);
    }
  });

  it("another tenant's campaign is not found for any transition", async () => {
    const o = await owner();
    const id = await campaignWith(o, 1);
    for (const run of [launchCampaign, pauseCampaign, resumeCampaign, cancelCampaign]) {
      expect(await run(a, log, newId('tenant'), id).catch((e: unknown) => e)).toMatchObject({ code: 'not_found', status: 404 });
    }
    expect(await status(id)).toBe('draft');
  });
});

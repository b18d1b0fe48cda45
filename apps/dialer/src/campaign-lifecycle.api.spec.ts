import { apiError, expectApiError, uniquePhoneNumber } from '@callplane/testing';
import { campaignApi, campaignBody, campaignOwner, seedContacts, type CampaignOwner } from './campaigns.test-harness';
import { TestClock, useDialerService } from './dialer.test-harness';

/** A campaign's lifecycle over HTTP: launch, pause, resume and cancel, each transition once however requests race. */
describe('campaign lifecycle API', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock });
  const inMs = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

  async function owner(label?: string) {
    const o = await campaignOwner(d, label);
    return { ...o, api: campaignApi(d, o) };
  }
  async function draft(o: CampaignOwner & { api: ReturnType<typeof campaignApi> }, over: Record<string, unknown> = {}) {
    const res = await o.api.create(campaignBody(o, over));
    expect(res.status).toBe(201);
    return String(res.body.id);
  }
  const withContacts = async (o: CampaignOwner, id: string, states: string[]) => seedContacts(d.prisma(), { id, tenantId: o.tenantId }, states, uniquePhoneNumber);

  describe('launch, pause, resume, cancel', () => {
    it('launch needs contacts (409 campaign_empty), then runs it and records launched_at; a second launch is 409', async () => {
      const o = await owner();
      const id = await draft(o);
      const empty = await o.api.act(id, 'launch');
      expectApiError(empty, 409, 'campaign_empty');
      expect((await d.prisma().campaign.findUniqueOrThrow({ where: { id } })).status).toBe('draft');
      await withContacts(o, id, ['pending']);
      clock.advance(5_000);
      const res = await o.api.act(id, 'launch');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id, status: 'running', launched_at: clock.now().toISOString(), counts: { total: 1, pending: 1 } });
      expectApiError(await o.api.act(id, 'launch'), 409, 'invalid_campaign_state');
    });

    it('a start_at ahead makes launch and resume answer scheduled; a start_at passed makes resume answer running', async () => {
      const o = await owner();
      const id = await draft(o, { start_at: inMs(3600_000) });
      await withContacts(o, id, ['pending']);
      expect((await o.api.act(id, 'launch')).body.status).toBe('scheduled');
      expect((await o.api.act(id, 'pause')).body.status).toBe('paused');
      expect((await o.api.act(id, 'resume')).body.status).toBe('scheduled');
      expect((await o.api.act(id, 'pause')).body.status).toBe('paused');
      clock.advance(3600_000);
      expect((await o.api.act(id, 'resume')).body.status).toBe('running');
    });

    it('a campaign whose end_at has passed cannot be launched', async () => {
      const o = await owner();
      const id = await draft(o, { end_at: inMs(60_000) });
      await withContacts(o, id, ['pending']);
      clock.advance(60_000);
      const res = await o.api.act(id, 'launch');
      expectApiError(res, 409, 'invalid_campaign_state');
      expect(apiError(res).message).toMatch(/end_at .* has passed/);
    });

    it('every other transition is 409 invalid_campaign_state', async () => {
      const o = await owner();
      const id = await draft(o);
      await withContacts(o, id, ['pending']);
      for (const verb of ['pause', 'resume'] as const) expectApiError(await o.api.act(id, verb), 409, 'invalid_campaign_state');
      await o.api.act(id, 'launch');
      expectApiError(await o.api.act(id, 'resume'), 409, 'invalid_campaign_state');
      await o.api.act(id, 'pause');
      expectApiError(await o.api.act(id, 'pause'), 409, 'invalid_campaign_state');
      expectApiError(await o.api.act(id, 'launch'), 409, 'invalid_campaign_state');
      await o.api.act(id, 'cancel');
      for (const verb of ['launch', 'pause', 'resume', 'cancel'] as const) {
        const res = await o.api.act(id, verb);
        expectApiError(res, 409, 'invalid_campaign_state');
        expect(apiError(res).details).toEqual({ status: 'canceled' });
      }
      await d.prisma().campaign.update({ where: { id }, data: { status: 'completed' } });
      expectApiError(await o.api.act(id, 'cancel'), 409, 'invalid_campaign_state');
    });

    it('cancel cancels every contact not yet called, in the same transaction; calls in progress and final outcomes stay', async () => {
      const o = await owner();
      const id = await draft(o);
      await withContacts(o, id, ['pending', 'pending', 'retry_scheduled', 'calling', 'completed', 'no_answer', 'do_not_call']);
      await o.api.act(id, 'launch');
      clock.advance(10_000);
      const res = await o.api.act(id, 'cancel');
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ status: 'canceled', completed_at: clock.now().toISOString() });
      expect(res.body.counts).toEqual({ total: 7, pending: 0, calling: 1, retry_scheduled: 0, completed: 1, no_answer: 1, busy: 0, failed: 0, do_not_call: 1, canceled: 3 });
    });

    it('a draft can be canceled too', async () => {
      const o = await owner();
      const id = await draft(o);
      expect((await o.api.act(id, 'cancel')).body).toMatchObject({ status: 'canceled', completed_at: clock.now().toISOString() });
    });
  });

  describe('races', () => {
    it('of ten concurrent launches, pauses, resumes or cancels of one campaign, exactly one wins and the others are 409', async () => {
      const o = await owner();
      const id = await draft(o);
      await withContacts(o, id, ['pending', 'pending']);
      for (const verb of ['launch', 'pause', 'resume', 'cancel'] as const) {
        const answers = await Promise.all(Array.from({ length: 10 }, () => o.api.act(id, verb)));
        expect(answers.filter((r) => r.status === 200)).toHaveLength(1);
        for (const r of answers.filter((x) => x.status !== 200)) expectApiError(r, 409, 'invalid_campaign_state');
      }
      expect((await o.api.get(id)).body).toMatchObject({ status: 'canceled', counts: { canceled: 2, pending: 0 } });
    });

    it('pauses racing cancels: the campaign ends canceled with no contact left to call, and exactly one cancel wins', async () => {
      for (let round = 0; round < 3; round++) {
        const o = await owner();
        const id = await draft(o);
        await withContacts(o, id, Array.from({ length: 50 }, () => 'pending'));
        await o.api.act(id, 'launch');
        const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => o.api.act(id, i % 2 === 0 ? 'pause' : 'cancel')));
        const cancels = answers.filter((_, i) => i % 2 === 1);
        const pauses = answers.filter((_, i) => i % 2 === 0);
        expect(cancels.filter((r) => r.status === 200)).toHaveLength(1);
        expect(pauses.filter((r) => r.status === 200).length).toBeLessThanOrEqual(1);
        for (const r of answers.filter((x) => x.status !== 200)) expectApiError(r, 409, 'invalid_campaign_state');
        expect((await o.api.get(id)).body).toMatchObject({ status: 'canceled', counts: { total: 50, canceled: 50, pending: 0 } });
      }
    });
  });

});

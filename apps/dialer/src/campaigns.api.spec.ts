import { CONTACT_STATES } from '@callplane/contracts';
import { apiError, detailFields, expectApiError, uniquePhoneNumber, withField } from '@callplane/testing';
import { campaignApi, campaignBody, campaignOwner, seedContacts, type CampaignOwner } from './campaigns.test-harness';
import { TestClock, useDialerService } from './dialer.test-harness';

/** Campaign settings over HTTP: create, list, get with counts, patch, tenant isolation on every path, OpenAPI. */
describe('campaigns API', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock });

  async function owner(label?: string) {
    const o = await campaignOwner(d, label);
    return { ...o, api: campaignApi(d, o) };
  }
  const countCampaigns = (tenantId: string) => d.prisma().campaign.count({ where: { tenantId } });
  async function draft(o: CampaignOwner & { api: ReturnType<typeof campaignApi> }, over: Record<string, unknown> = {}) {
    const res = await o.api.create(campaignBody(o, over));
    expect(res.status).toBe(201);
    return String(res.body.id);
  }
  const withContacts = async (o: CampaignOwner, id: string, states: string[]) => seedContacts(d.prisma(), { id, tenantId: o.tenantId }, states, uniquePhoneNumber);

  describe('create', () => {
    it('answers 201 with the draft as API.md shows it: default recipient hours, no pace limit unless given, every count at zero', async () => {
      const o = await owner();
      const res = await o.api.create(campaignBody(o, { max_calls_per_second: undefined, webhook_url: 'https://hooks.example.com/campaigns' }));
      expect(res.status).toBe(201);
      const zero = Object.fromEntries(['total', ...CONTACT_STATES].map((k) => [k, 0]));
      expect(res.body).toEqual({
        id: expect.stringMatching(/^cmp_[0-9a-z]{20}$/),
        name: 'Policy renewals',
        agent_id: o.agentId,
        from_numbers: [o.from.number],
        timezone: 'America/New_York',
        windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }],
        start_at: null,
        end_at: null,
        concurrency: 20,
        max_calls_per_second: null,
        retry: { max_attempts: 3, backoff_seconds: 3600, on: ['no_answer', 'busy'] },
        recipient_hours: { start: '08:00', end: '21:00' },
        webhook_url: 'https://hooks.example.com/campaigns',
        status: 'draft',
        counts: zero,
        created_at: clock.now().toISOString(),
        launched_at: null,
        completed_at: null,
      });
      const row = await d.prisma().campaign.findUniqueOrThrow({ where: { id: String(res.body.id) } });
      expect(row).toMatchObject({ tenantId: o.tenantId, userId: o.userId, status: 'draft', rotation: 0, paceNextAt: null });
      expect((await o.api.get(String(res.body.id))).body).toEqual(res.body);
    });

    it('stores recipient_hours: null as off, explicit hours as given, and normalises from_numbers to E.164', async () => {
      const o = await owner();
      const off = await o.api.create(campaignBody(o, { recipient_hours: null }));
      expect(off.body.recipient_hours).toBeNull();
      expect((await d.prisma().campaign.findUniqueOrThrow({ where: { id: String(off.body.id) } })).recipientHours).toBeNull();
      const own = await o.api.create(campaignBody(o, { recipient_hours: { start: '10:00', end: '19:30' }, from_numbers: [o.from.number.slice(1)] }));
      expect(own.body).toMatchObject({ recipient_hours: { start: '10:00', end: '19:30' }, from_numbers: [o.from.number] });
    });

    it('the same Idempotency-Key and body returns the first campaign and creates nothing new; another body with it is 409', async () => {
      const o = await owner();
      const headers = { 'idempotency-key': `create-${o.tenantId}` };
      const first = await o.api.create(campaignBody(o), headers);
      const again = await o.api.create(campaignBody(o), headers);
      expect(again.status).toBe(201);
      expect(again.body.id).toBe(first.body.id);
      expect(await countCampaigns(o.tenantId)).toBe(1);
      expectApiError(await o.api.create(campaignBody(o, { name: 'Other' }), headers), 409, 'idempotency_conflict');
      expect(await countCampaigns(o.tenantId)).toBe(1);
    });

    it('bad input is 400 validation_failed naming every bad field, and nothing is written', async () => {
      const o = await owner();
      const body = {
        ...campaignBody(o),
        name: '',
        timezone: 'Mars/Olympus_Mons',
        concurrency: 0,
        max_calls_per_second: 101,
        windows: [{ days: ['mon', 'mon'], start: '17:00', end: '09:00' }],
        retry: { max_attempts: 11, backoff_seconds: -1, on: ['voicemail'] },
        from_numbers: ['+1555', o.from.number],
        recipient_hours: { start: '21:00', end: '08:00' },
        webhook_url: 'ftp://hooks.example.com',
        colour: 'blue',
      };
      const res = await o.api.create(body);
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res).sort()).toEqual(
        [
          'colour',
          'concurrency',
          'from_numbers.0',
          'max_calls_per_second',
          'name',
          'recipient_hours.end',
          'retry.backoff_seconds',
          'retry.max_attempts',
          'retry.on.0',
          'timezone',
          'webhook_url',
          'windows.0.days',
          'windows.0.end',
        ].sort(),
      );
      expect(await countCampaigns(o.tenantId)).toBe(0);
    });

    it.each([
      ['a missing agent_id', (o: CampaignOwner) => withField(campaignBody(o), 'agent_id', undefined), ['agent_id']],
      ['no from_numbers', (o: CampaignOwner) => campaignBody(o, { from_numbers: [] }), ['from_numbers']],
      ['a from-number twice', (o: CampaignOwner) => campaignBody(o, { from_numbers: [o.from.number, o.from.number] }), ['from_numbers']],
      ['no windows', (o: CampaignOwner) => campaignBody(o, { windows: [] }), ['windows']],
      ['concurrency above 1000', (o: CampaignOwner) => campaignBody(o, { concurrency: 1001 }), ['concurrency']],
      ['max_calls_per_second below 0.01', (o: CampaignOwner) => campaignBody(o, { max_calls_per_second: 0.001 }), ['max_calls_per_second']],
      ['end_at before start_at', (o: CampaignOwner) => campaignBody(o, { start_at: '2026-12-02T00:00:00Z', end_at: '2026-12-01T00:00:00Z' }), ['end_at']],
      ['end_at already past', (o: CampaignOwner) => campaignBody(o, { end_at: '2026-11-25T09:59:59Z' }), ['end_at']],
      ['start_at that is not a date-time', (o: CampaignOwner) => campaignBody(o, { start_at: 'next monday' }), ['start_at']],
    ])('%s is 400 naming it, nothing written', async (_name, build, fields) => {
      const o = await owner();
      const res = await o.api.create(build(o));
      expectApiError(res, 400, 'validation_failed');
      expect(detailFields(res)).toEqual(fields);
      expect(await countCampaigns(o.tenantId)).toBe(0);
    });

    it("another tenant's agent or number is 404 as if it did not exist; a number without outbound is 422 naming the entry; nothing written", async () => {
      const o = await owner();
      const other = await owner('Other');
      expectApiError(await o.api.create(campaignBody(o, { agent_id: other.agentId })), 404, 'not_found');
      expectApiError(await o.api.create(campaignBody(o, { from_numbers: [o.from.number, other.from.number] })), 404, 'not_found');
      const inboundOnly = await d.newOutboundNumber(o.tenantId, { outbound: false });
      const res = await o.api.create(campaignBody(o, { from_numbers: [o.from.number, inboundOnly.number] }));
      expect(res.status).toBe(422);
      expect(apiError(res)).toMatchObject({ code: 'from_number_not_outbound', details: [{ field: 'from_numbers.1', message: `${inboundOnly.number} does not have outbound calling enabled` }] });
      expect(await countCampaigns(o.tenantId)).toBe(0);
    });
  });

  describe('list and get', () => {
    it('lists the tenant\'s campaigns newest first, page by page, each with its counts; another tenant\'s never', async () => {
      const o = await owner();
      const other = await owner('Other');
      await draft(other);
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        ids.push(await draft(o, { name: `Campaign ${i}` }));
        clock.advance(1000);
      }
      await withContacts(o, ids[0]!, ['pending', 'completed']);
      const first = await o.api.list('?limit=2');
      expect(first.status).toBe(200);
      expect((first.body.data as Array<{ id: string }>).map((c) => c.id)).toEqual([ids[2], ids[1]]);
      const second = await o.api.list(`?limit=2&cursor=${String(first.body.next_cursor)}`);
      expect((second.body.data as Array<{ id: string; counts: { total: number; pending: number; completed: number } }>).map((c) => [c.id, c.counts.total, c.counts.pending, c.counts.completed])).toEqual([[ids[0], 2, 1, 1]]);
      expect(second.body.next_cursor).toBeNull();
      expectApiError(await o.api.list('?cursor=not-a-cursor'), 400, 'validation_failed');
    });

    it('counts contacts per state, and total', async () => {
      const o = await owner();
      const id = await draft(o);
      await withContacts(o, id, ['pending', 'pending', 'calling', 'retry_scheduled', 'completed', 'completed', 'completed', 'no_answer', 'busy', 'failed', 'do_not_call', 'canceled']);
      const res = await o.api.get(id);
      expect(res.body.counts).toEqual({ total: 12, pending: 2, calling: 1, retry_scheduled: 1, completed: 3, no_answer: 1, busy: 1, failed: 1, do_not_call: 1, canceled: 1 });
    });
  });

  describe('tenant isolation', () => {
    it("every path answers 404 for another tenant's campaign, and changes nothing", async () => {
      const o = await owner();
      const intruder = await owner('Intruder');
      const id = await draft(o);
      await withContacts(o, id, ['pending']);
      const before = await d.prisma().campaign.findUniqueOrThrow({ where: { id } });
      const answers = [
        await intruder.api.get(id),
        await intruder.api.patch(id, { name: 'Mine now' }),
        await intruder.api.uploadCsv(id, `to_number\n${uniquePhoneNumber()}\n`),
        await intruder.api.uploadJson(id, { contacts: [{ to_number: uniquePhoneNumber() }] }),
        await intruder.api.contacts(id),
        await intruder.api.results(id),
        ...(await Promise.all((['launch', 'pause', 'resume', 'cancel'] as const).map((v) => intruder.api.act(id, v)))),
      ];
      for (const res of answers) expectApiError(res, 404, 'not_found');
      expect(await d.prisma().campaign.findUniqueOrThrow({ where: { id } })).toEqual(before);
      expect(await d.prisma().campaignContact.count({ where: { campaignId: id } })).toBe(1);
      expect((await intruder.api.list()).body.data).toEqual([]);
    });

    it('an unknown campaign id is 404', async () => {
      const o = await owner();
      expectApiError(await o.api.get('cmp_doesnotexist'), 404, 'not_found');
    });
  });

  describe('patch', () => {
    it('changes a draft, field by field; recipient_hours null turns the check off', async () => {
      const o = await owner();
      const id = await draft(o);
      const second = await d.newOutboundNumber(o.tenantId);
      const res = await o.api.patch(id, { name: 'Renewals, wave 2', concurrency: 5, from_numbers: [o.from.number, second.number], recipient_hours: null, end_at: '2026-12-31T00:00:00Z' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ name: 'Renewals, wave 2', concurrency: 5, from_numbers: [o.from.number, second.number], recipient_hours: null, end_at: '2026-12-31T00:00:00.000Z', timezone: 'America/New_York', status: 'draft' });
      expect((await d.prisma().campaign.findUniqueOrThrow({ where: { id } })).recipientHours).toBeNull();
    });

    it('bad fields are 400 naming them; an end_at before the stored start_at is 400; a foreign agent 404; nothing changes', async () => {
      const o = await owner();
      const other = await owner('Other');
      const id = await draft(o, { start_at: '2026-12-10T00:00:00Z' });
      const before = await d.prisma().campaign.findUniqueOrThrow({ where: { id } });
      const bad = await o.api.patch(id, { concurrency: 0, retry: { max_attempts: 0, backoff_seconds: 1, on: [] }, status: 'running' });
      expectApiError(bad, 400, 'validation_failed');
      expect(detailFields(bad).sort()).toEqual(['concurrency', 'retry.max_attempts', 'status']);
      expectApiError(await o.api.patch(id, {}), 400, 'validation_failed');
      const early = await o.api.patch(id, { end_at: '2026-12-01T00:00:00Z' });
      expectApiError(early, 400, 'validation_failed');
      expect(detailFields(early)).toEqual(['end_at']);
      expectApiError(await o.api.patch(id, { agent_id: other.agentId, name: 'x' }), 404, 'not_found');
      expect(await d.prisma().campaign.findUniqueOrThrow({ where: { id } })).toEqual(before);
    });

    it('only while draft or paused: running, completed and canceled campaigns are 409 invalid_campaign_state', async () => {
      const o = await owner();
      const id = await draft(o);
      await withContacts(o, id, ['pending']);
      expect((await o.api.act(id, 'launch')).body.status).toBe('running');
      const running = await o.api.patch(id, { concurrency: 50 });
      expectApiError(running, 409, 'invalid_campaign_state');
      expect(apiError(running).message).toBe('This campaign is running, so it cannot be changed. Pause it first.');
      expect((await o.api.act(id, 'pause')).status).toBe(200);
      expect((await o.api.patch(id, { concurrency: 50 })).body).toMatchObject({ concurrency: 50, status: 'paused' });
      expect((await o.api.act(id, 'cancel')).status).toBe(200);
      expectApiError(await o.api.patch(id, { concurrency: 60 }), 409, 'invalid_campaign_state');
      expect((await d.prisma().campaign.findUniqueOrThrow({ where: { id } })).concurrency).toBe(50);
    });
  });

  it('publishes every campaign and do-not-call route in the OpenAPI document, the contacts upload with both its content types', async () => {
    const paths = (await d.call('GET', '/openapi.json')).body.paths as Record<string, Record<string, { requestBody?: { content: Record<string, unknown> }; responses: Record<string, { content?: Record<string, unknown> }> }>>;
    const published = Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)).filter((r) => /campaigns|dnc/.test(r));
    expect(published.sort()).toEqual(
      [
        'POST /voice/campaigns',
        'GET /voice/campaigns',
        'GET /voice/campaigns/{campaign_id}',
        'PATCH /voice/campaigns/{campaign_id}',
        'POST /voice/campaigns/{campaign_id}/contacts',
        'GET /voice/campaigns/{campaign_id}/contacts',
        'GET /voice/campaigns/{campaign_id}/results.csv',
        'POST /voice/campaigns/{campaign_id}/launch',
        'POST /voice/campaigns/{campaign_id}/pause',
        'POST /voice/campaigns/{campaign_id}/resume',
        'POST /voice/campaigns/{campaign_id}/cancel',
        'POST /voice/dnc',
        'GET /voice/dnc',
        'DELETE /voice/dnc/{number}',
      ].sort(),
    );
    expect(Object.keys(paths['/voice/campaigns/{campaign_id}/contacts']!.post!.requestBody!.content).sort()).toEqual(['application/json', 'text/csv']);
    expect(Object.keys(paths['/voice/campaigns/{campaign_id}/results.csv']!.get!.responses['200']!.content!)).toEqual(['text/csv']);
  });
});

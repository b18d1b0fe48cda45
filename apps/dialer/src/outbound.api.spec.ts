import { CALL_ROOM_PREFIX } from '@callplane/livekit';
import { apiError, detailFields, expectApiError, pollUntil, uniquePhoneNumber, uniqueSuffix } from '@callplane/testing';
import { TestClock, useDialerService } from './dialer.test-harness';

/** `POST /voice/outbound/dial` and scheduled calls, over HTTP, with FakeLiveKit behind the dialer. */
describe('outbound calls API', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock });

  /** A tenant ready to call: user, agent, a number with outbound enabled. */
  async function caller(label = 'Outbound') {
    const t = await d.newTenantUser(label);
    const agentId = await d.newAgent(t.tenantId);
    const from = await d.newOutboundNumber(t.tenantId);
    return { ...t, agentId, from };
  }
  type Caller = Awaited<ReturnType<typeof caller>>;
  const dialBody = (c: Caller, over: Record<string, unknown> = {}) => ({ agent_id: c.agentId, to_number: uniquePhoneNumber(), from_number: c.from.number, ...over });
  const dial = (c: Caller, body: unknown, headers: Record<string, string> = {}) => d.call('POST', '/voice/outbound/dial', { token: c.apiKey, json: body, headers });
  const cancel = (c: Caller, sessionId: string) => d.call('POST', `/voice/outbound/scheduled/${sessionId}/cancel`, { token: c.apiKey });

  const session = (id: string) => d.prisma().callSession.findUnique({ where: { id } });
  const row = (id: string) => d.prisma().outboundCall.findUniqueOrThrow({ where: { id } });
  const sessionIn = (id: string, status: string) => pollUntil(async () => ((await session(id))?.status === status ? session(id) : null), { description: `session ${id} ${status}` });
  const eventTypes = async (id: string) =>
    (await d.prisma().outboxEvent.findMany({ where: { key: id }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] })).map((e) => (e.envelope as { type: string }).type);
  const sipCallsTo = (room: string) => d.livekit.requestsTo('SIP', 'CreateSIPParticipant').filter((r) => (r.body as { roomName?: string }).roomName === room);

  describe('immediate calls', () => {
    it('answers 202 initiating, places the call on the from-number trunk with the agent snapshot and context, and records its progress', async () => {
      const c = await caller();
      const to = uniquePhoneNumber();
      const res = await dial(c, { agent_id: c.agentId, to_number: to.slice(1), from_number: c.from.number, context: { customer_name: 'Asha', order_id: 'A-17' }, webhook_url: 'https://hooks.example.com/calls' });
      expect(res.status).toBe(202);
      expect(Object.keys(res.body).sort()).toEqual(['session_id', 'status']);
      expect(res.body.status).toBe('initiating');
      const id = String(res.body.session_id);
      expect(id).toMatch(/^cs_[0-9a-z]{20}$/);

      const s = await sessionIn(id, 'in_progress');
      expect(s).toMatchObject({ tenantId: c.tenantId, agentId: c.agentId, direction: 'outbound', callType: 'production', fromNumber: c.from.number, toNumber: to, phoneNumberId: c.from.id, roomName: `${CALL_ROOM_PREFIX}${id}` });
      expect(await eventTypes(id)).toEqual(['call.initiating', 'call.in_progress']);

      const room = `${CALL_ROOM_PREFIX}${id}`;
      expect(d.livekit.requestsTo('RoomService', 'CreateRoom').filter((r) => (r.body as { name: string }).name === room)).toHaveLength(1);
      const dispatch = d.livekit.dispatches.find((x) => x.room === room);
      expect(dispatch).toBeDefined();
      const metadata = JSON.parse(String(dispatch!.metadata)) as Record<string, unknown>;
      expect(metadata).toMatchObject({
        session_id: id,
        tenant_id: c.tenantId,
        direction: 'outbound',
        call_type: 'production',
        from_number: c.from.number,
        to_number: to,
        max_duration_seconds: 300,
        agent: { id: c.agentId, name: 'Outbound agent', system_prompt: 'You call {{customer_name}} about their order.', voice: { greeting: 'Hi {{customer_name}}!' } },
        context: { customer_name: 'Asha', order_id: 'A-17' },
      });
      const sip = sipCallsTo(room);
      expect(sip).toHaveLength(1);
      expect(sip[0]!.body).toMatchObject({ sipTrunkId: c.from.trunkId, sipCallTo: to, sipNumber: c.from.number, roomName: room });

      const call = await pollUntil(async () => {
        const r = await row(id);
        return r.callState === 'in_progress' ? r : null;
      });
      expect(call).toMatchObject({ tenantId: c.tenantId, userId: c.userId, callType: 'production', state: 'dispatched', fromPhoneId: c.from.id, toNumber: to, webhookUrl: 'https://hooks.example.com/calls', context: { customer_name: 'Asha', order_id: 'A-17' }, scheduledAt: null });
      expect(call.answeredAt).toEqual(clock.now());
    });

    it('a busy callee (SIP 486) ends the call busy with its SIP status, and the room is deleted', async () => {
      const c = await caller();
      d.livekit.failSipCall(486);
      const res = await dial(c, dialBody(c));
      expect(res.status).toBe(202);
      const id = String(res.body.session_id);
      expect(await sessionIn(id, 'busy')).toMatchObject({ sipStatus: 486, endReason: 'busy' });
      const room = `${CALL_ROOM_PREFIX}${id}`;
      await pollUntil(() => d.livekit.requestsTo('RoomService', 'DeleteRoom').some((r) => (r.body as { room: string }).room === room), { description: 'room deleted' });
      expect(d.livekit.rooms.some((r) => r.name === room)).toBe(false);
      expect(await eventTypes(id)).toEqual(['call.initiating', 'call.busy']);
      const call = await pollUntil(async () => ((await row(id)).state === 'ended' ? row(id) : null), { description: 'row ended' });
      expect(call).toMatchObject({ callState: 'busy', answeredAt: null });
      expect(call.endedAt).toEqual(clock.now());
    });

    it('no answer (SIP 480) ends the call no_answer', async () => {
      const c = await caller();
      d.livekit.failSipCall(480);
      const id = String((await dial(c, dialBody(c))).body.session_id);
      expect(await sessionIn(id, 'no_answer')).toMatchObject({ sipStatus: 480, endReason: 'no_answer' });
      await pollUntil(async () => (await row(id)).callState === 'no_answer');
    });

    it('LiveKit down: the call ends failed with the reason kept, and no SIP call is attempted', async () => {
      const c = await caller();
      d.livekit.failNext({ path: /CreateRoom/ }, { status: 503, body: { code: 'unavailable', msg: 'livekit is down' } });
      const id = String((await dial(c, dialBody(c))).body.session_id);
      expect(await sessionIn(id, 'failed')).toMatchObject({ endReason: 'dispatch_failed', sipStatus: null });
      expect(sipCallsTo(`${CALL_ROOM_PREFIX}${id}`)).toHaveLength(0);
      const call = await pollUntil(async () => ((await row(id)).state === 'ended' ? row(id) : null));
      expect(call.error).toMatch(/create room/i);
    });
  });

  describe('validation', () => {
    let c: Caller;
    beforeAll(async () => {
      c = await caller('Validation');
    });

    const cases: Array<[string, (c: Caller) => Record<string, unknown>, string[]]> = [
      ['missing fields', () => ({}), ['agent_id', 'to_number', 'from_number']],
      ['a to_number that is not a phone number', (x) => dialBody(x, { to_number: 'call me maybe' }), ['to_number']],
      ['a from_number that is not a phone number', (x) => dialBody(x, { from_number: '+1234' }), ['from_number']],
      ['a to_number that is not a string', (x) => dialBody(x, { to_number: 14155550123 }), ['to_number']],
      ['nested context', (x) => dialBody(x, { context: { customer: { name: 'Asha' } } }), ['context.customer']],
      ['a non-string context value', (x) => dialBody(x, { context: { attempts: 3 } }), ['context.attempts']],
      ['a context value too long', (x) => dialBody(x, { context: { note: 'x'.repeat(1001) } }), ['context.note']],
      ['a context key that is not a variable name', (x) => dialBody(x, { context: { 'first name': 'Asha' } }), ['context.first name']],
      ['too many context variables', (x) => dialBody(x, { context: Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`v${i}`, 'x'])) }), ['context']],
      ['context as an array', (x) => dialBody(x, { context: ['Asha'] }), ['context']],
      ['scheduled_at that is not a date-time', (x) => dialBody(x, { scheduled_at: 'tomorrow at noon' }), ['scheduled_at']],
      ['scheduled_at without a time zone', (x) => dialBody(x, { scheduled_at: '2026-11-26T10:00:00' }), ['scheduled_at']],
      ['scheduled_at in the past', (x) => dialBody(x, { scheduled_at: new Date(clock.now().getTime() - 1000).toISOString() }), ['scheduled_at']],
      ['scheduled_at now', (x) => dialBody(x, { scheduled_at: clock.now().toISOString() }), ['scheduled_at']],
      ['scheduled_at more than a year ahead', (x) => dialBody(x, { scheduled_at: '2028-01-01T00:00:00Z' }), ['scheduled_at']],
      ['a webhook_url that is not http(s)', (x) => dialBody(x, { webhook_url: 'ftp://hooks.example.com/x' }), ['webhook_url']],
      ['a webhook_url that is not a URL', (x) => dialBody(x, { webhook_url: 'hooks' }), ['webhook_url']],
      ['an unknown field', (x) => dialBody(x, { priority: 'high' }), ['priority']],
      ['several bad fields at once', (x) => dialBody(x, { to_number: 'x', context: { a: 1 }, webhook_url: 'nope' }), ['to_number', 'context.a', 'webhook_url']],
    ];

    it.each(cases)('%s → 400 validation_failed naming the fields; nothing written, LiveKit not asked', async (_name, body, fields) => {
      const before = { rows: await d.prisma().outboundCall.count({ where: { tenantId: c.tenantId } }), livekit: d.livekit.requests.length };
      const res = await dial(c, body(c));
      expectApiError(res, 400, 'validation_failed');
      // A field may carry more than one issue (httpUrlSchema: not a URL, and not http(s)).
      expect([...new Set(detailFields(res))].sort()).toEqual([...fields].sort());
      expect(await d.prisma().outboundCall.count({ where: { tenantId: c.tenantId } })).toBe(before.rows);
      expect(d.livekit.requests.length).toBe(before.livekit);
    });

    it('a from_number without outbound enabled, or not ready, is 422 from_number_not_outbound', async () => {
      const off = await d.newOutboundNumber(c.tenantId, { outbound: false });
      const res = await dial(c, dialBody(c, { from_number: off.number }));
      expectApiError(res, 422, 'from_number_not_outbound');
      expect(apiError(res).message).toContain(off.number);

      const broken = await d.newOutboundNumber(c.tenantId);
      await d.prisma().phoneNumber.update({ where: { id: broken.id }, data: { state: 'needs_attention' } });
      expectApiError(await dial(c, dialBody(c, { from_number: broken.number })), 422, 'from_number_not_outbound');
      expect(await d.prisma().outboundCall.count({ where: { tenantId: c.tenantId } })).toBe(0);
    });

    it('without an API key: 401', async () => {
      expectApiError(await d.call('POST', '/voice/outbound/dial', { json: dialBody(c) }), 401, 'unauthorized');
    });
  });

  describe('tenant isolation', () => {
    it("another tenant's agent, from_number or scheduled call is 404, as if it did not exist", async () => {
      const a = await caller('Tenant A');
      const b = await caller('Tenant B');
      const before = d.livekit.requests.length;

      const foreignAgent = await dial(a, dialBody(a, { agent_id: b.agentId }));
      const noAgent = await dial(a, dialBody(a, { agent_id: 'agt_doesnotexist000000000' }));
      expectApiError(foreignAgent, 404, 'not_found');
      expect(foreignAgent.body).toEqual(noAgent.body);

      expectApiError(await dial(a, dialBody(a, { from_number: b.from.number })), 404, 'not_found');
      expectApiError(await dial(a, dialBody(a, { from_number: uniquePhoneNumber() })), 404, 'not_found');

      const scheduled = await dial(b, dialBody(b, { scheduled_at: new Date(clock.now().getTime() + 3600_000).toISOString() }));
      expect(scheduled.status).toBe(202);
      const id = String(scheduled.body.session_id);
      const foreignCancel = await cancel(a, id);
      expectApiError(foreignCancel, 404, 'not_found');
      expect(foreignCancel.body).toEqual((await cancel(a, 'cs_doesnotexist0000000000')).body);
      expect((await row(id)).state).toBe('scheduled');

      expect(await d.prisma().outboundCall.count({ where: { tenantId: a.tenantId } })).toBe(0);
      expect(d.livekit.requests.length).toBe(before);
      expect((await cancel(b, id)).status).toBe(200);
    });
  });

  describe('scheduled calls', () => {
    const inMs = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();
    const isDispatched = async (id: string) => (await row(id)).state !== 'scheduled';

    it('fire when the clock passes their time, and not before', async () => {
      const c = await caller();
      const sentinelRes = await dial(c, dialBody(c, { scheduled_at: inMs(30_000) }));
      const res = await dial(c, dialBody(c, { scheduled_at: inMs(60_000), context: { customer_name: 'Ravi' } }));
      expect(res.status).toBe(202);
      expect(res.body).toEqual({ session_id: expect.stringMatching(/^cs_/), status: 'scheduled' });
      const id = String(res.body.session_id);
      const sentinel = String(sentinelRes.body.session_id);
      expect(await row(id)).toMatchObject({ state: 'scheduled', callType: 'scheduled', scheduledAt: new Date(inMs(60_000)), callState: null });
      expect(await session(id)).toBeNull();

      // A round has run at 59 s once the 30 s call fired; the 60 s call must still be waiting.
      clock.advance(59_000);
      await pollUntil(() => isDispatched(sentinel), { description: 'the 30 s call fired' });
      expect((await row(id)).state).toBe('scheduled');
      expect(await session(id)).toBeNull();
      expect(sipCallsTo(`${CALL_ROOM_PREFIX}${id}`)).toHaveLength(0);

      clock.advance(1_000);
      const s = await sessionIn(id, 'in_progress');
      expect(s).toMatchObject({ callType: 'scheduled', toNumber: (await row(id)).toNumber });
      expect(sipCallsTo(`${CALL_ROOM_PREFIX}${id}`)).toHaveLength(1);
      const metadata = JSON.parse(String(d.livekit.dispatches.find((x) => x.room === `${CALL_ROOM_PREFIX}${id}`)!.metadata)) as { call_type: string; context: unknown };
      expect(metadata).toMatchObject({ call_type: 'scheduled', context: { customer_name: 'Ravi' } });
      expect(await eventTypes(id)).toEqual(['call.initiating', 'call.in_progress']);
    });

    it('canceled before its time, a call never dispatches; cancel answers the same twice, and 409 once a call fired', async () => {
      const c = await caller();
      const keep = String((await dial(c, dialBody(c, { scheduled_at: inMs(10_000) }))).body.session_id);
      const drop = String((await dial(c, dialBody(c, { scheduled_at: inMs(20_000) }))).body.session_id);

      const first = await cancel(c, drop);
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ session_id: drop, status: 'canceled' });
      const again = await cancel(c, drop);
      expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: first.body });

      clock.advance(60_000);
      await pollUntil(() => isDispatched(keep), { description: 'the kept call fired' });
      await sessionIn(keep, 'in_progress');
      // Both were due in the same round: the canceled one was skipped.
      expect((await row(drop)).state).toBe('canceled');
      expect(await session(drop)).toBeNull();
      expect(sipCallsTo(`${CALL_ROOM_PREFIX}${drop}`)).toHaveLength(0);

      expectApiError(await cancel(c, keep), 409, 'not_cancellable');
      const now = String((await dial(c, dialBody(c))).body.session_id);
      expectApiError(await cancel(c, now), 409, 'not_cancellable');
      expectApiError(await cancel(c, 'cs_doesnotexist0000000000'), 404, 'not_found');
    });
    it('are findable by their owner at every moment: GET /voice/outbound/scheduled[/{id}] while waiting, placed (with its session) after, canceled when canceled', async () => {
      const c = await caller('Scheduled list');
      const other = await caller('Someone else');
      const get = (who: Caller, id: string) => d.call('GET', `/voice/outbound/scheduled/${id}`, { token: who.apiKey });
      const list = async (who: Caller, query = '') => {
        const res = await d.call('GET', `/voice/outbound/scheduled${query}`, { token: who.apiKey });
        expect(res.status).toBe(200);
        return res.body as { data: Array<{ session_id: string; status: string }>; next_cursor: string | null };
      };
      const body = dialBody(c, { scheduled_at: inMs(30_000), context: { customer_name: 'Mei' }, webhook_url: 'https://hooks.example.com/scheduled' });
      const fires = String((await dial(c, body)).body.session_id);
      const waits = String((await dial(c, dialBody(c, { scheduled_at: inMs(3_600_000) }))).body.session_id);
      const dropped = String((await dial(c, dialBody(c, { scheduled_at: inMs(3_600_000) }))).body.session_id);
      expect((await cancel(c, dropped)).status).toBe(200);
      const now = String((await dial(c, dialBody(c))).body.session_id);
      await dial(other, dialBody(other, { scheduled_at: inMs(30_000) }));

      const before = await get(c, fires);
      expect(before.status).toBe(200);
      expect(before.body).toEqual({
        session_id: fires,
        status: 'scheduled',
        agent_id: c.agentId,
        from_number: c.from.number,
        to_number: body.to_number,
        context: { customer_name: 'Mei' },
        scheduled_at: inMs(30_000),
        webhook_url: 'https://hooks.example.com/scheduled',
        placed_at: null,
        created_at: clock.now().toISOString(),
      });
      expect(await session(fires)).toBeNull();
      expect((await list(c)).data.map((x) => [x.session_id, x.status])).toEqual(
        expect.arrayContaining([
          [fires, 'scheduled'],
          [waits, 'scheduled'],
          [dropped, 'canceled'],
        ]),
      );
      expect((await list(c)).data).toHaveLength(3); // not the immediate call, not the other tenant's

      clock.advance(30_000);
      await sessionIn(fires, 'in_progress');
      expect((await get(c, fires)).body).toMatchObject({ session_id: fires, status: 'placed', placed_at: expect.stringMatching(/Z$/) });
      expect((await list(c, '?status=scheduled')).data.map((x) => x.session_id)).toEqual([waits]);
      expect((await list(c, '?status=placed')).data.map((x) => x.session_id)).toEqual([fires]);

      // Cursor pagination, the shape of every list: one a page, newest first, every call once.
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page: { data: Array<{ session_id: string }>; next_cursor: string | null } = await list(c, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.data.length).toBeLessThanOrEqual(1);
        seen.push(...page.data.map((x) => x.session_id));
        cursor = page.next_cursor;
      } while (cursor);
      expect(seen.sort()).toEqual([fires, waits, dropped].sort());

      // Not scheduled, another tenant's, or no such call: 404 alike.
      for (const [who, id] of [[c, now], [other, fires], [c, 'cs_doesnotexist0000000000']] as const) expectApiError(await get(who, id), 404, 'not_found');
      expectApiError(await d.call('GET', '/voice/outbound/scheduled?status=ringing', { token: c.apiKey }), 400, 'validation_failed');
    });

    it('a number that lost outbound calling before the call fired: the call fails, LiveKit is not asked', async () => {
      const c = await caller();
      const id = String((await dial(c, dialBody(c, { scheduled_at: inMs(5_000) }))).body.session_id);
      await d.prisma().phoneNumber.update({ where: { id: c.from.id }, data: { outboundEnabled: false } });
      clock.advance(5_000);
      expect(await sessionIn(id, 'failed')).toMatchObject({ endReason: 'from_number_not_outbound' });
      expect(d.livekit.requests.filter((r) => JSON.stringify(r.body).includes(id))).toHaveLength(0);
      expect(await pollUntil(async () => ((await row(id)).state === 'ended' ? row(id) : null))).toMatchObject({ callState: 'failed', error: 'from_number_not_outbound' });
    });
  });

  describe('Idempotency-Key', () => {
    const callsTo = (tenantId: string, to: string) => d.prisma().outboundCall.findMany({ where: { tenantId, toNumber: to } });

    it('a retried request places one call and answers the first response again', async () => {
      const c = await caller();
      const body = dialBody(c);
      const key = `dial-${uniqueSuffix()}`;
      const first = await dial(c, body, { 'idempotency-key': key });
      const second = await dial(c, body, { 'idempotency-key': key });
      expect(first.status).toBe(202);
      expect({ status: second.status, body: second.body }).toEqual({ status: 202, body: first.body });
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      const id = String(first.body.session_id);
      await sessionIn(id, 'in_progress');
      expect(await callsTo(c.tenantId, String(body.to_number))).toHaveLength(1);
      expect(d.livekit.sipParticipants.filter((p) => (p.request as { sipCallTo?: string }).sipCallTo === body.to_number)).toHaveLength(1);

      const other = await dial(c, { ...body, context: { customer_name: 'someone else' } }, { 'idempotency-key': key });
      expectApiError(other, 409, 'idempotency_conflict');
      expect(await callsTo(c.tenantId, String(body.to_number))).toHaveLength(1);
    });

    it('two concurrent requests with one key place one call (repeated 5 times)', async () => {
      const c = await caller();
      for (let round = 0; round < 5; round++) {
        const body = dialBody(c);
        const key = `dial-race-${uniqueSuffix()}`;
        const answers = await Promise.all([dial(c, body, { 'idempotency-key': key }), dial(c, body, { 'idempotency-key': key })]);
        const accepted = answers.filter((r) => r.status === 202);
        expect(accepted.length).toBeGreaterThanOrEqual(1);
        // The loser either replays the winner's answer or is told to retry: never a second call.
        for (const r of answers.filter((x) => x.status !== 202)) expectApiError(r, 409, 'idempotency_in_progress');
        expect(new Set(accepted.map((r) => r.body.session_id)).size).toBe(1);
        const id = String(accepted[0]!.body.session_id);
        await sessionIn(id, 'in_progress');
        const retry = await dial(c, body, { 'idempotency-key': key });
        expect(retry.body).toEqual(accepted[0]!.body);
        expect(await callsTo(c.tenantId, String(body.to_number))).toHaveLength(1);
        expect(d.livekit.sipParticipants.filter((p) => (p.request as { sipCallTo?: string }).sipCallTo === body.to_number)).toHaveLength(1);
      }
    });
  });

  it('publishes its routes in the OpenAPI document', async () => {
    const res = await d.call('GET', '/openapi.json');
    expect(res.status).toBe(200);
    const paths = res.body.paths as Record<string, Record<string, unknown>>;
    expect(paths['/voice/outbound/dial']?.post).toBeDefined();
    expect(paths['/voice/outbound/scheduled']?.get).toBeDefined();
    expect(paths['/voice/outbound/scheduled/{session_id}']?.get).toBeDefined();
    expect(paths['/voice/outbound/scheduled/{session_id}/cancel']?.post).toBeDefined();
  });
});

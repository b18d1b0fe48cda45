import { newId, TOPICS, type EventEnvelope } from '@callplane/contracts';
import { hashApiKey, newApiKey } from '@callplane/service-kit';
import { apiError, bootTestService, httpRequest, pollUntil, uniqueSuffix, type TestService } from '@callplane/testing';
import { createAnalyticsModule } from './app';
import { callStream, STREAM_COST_AT_TEST_PRICES, TEST_PRICES } from './testing/call-stream';

/**
 * The analytics HTTP API over real PostgreSQL, fed through the service's own bus (in-process driver, batch
 * consumer): sessions, filters, pagination, summary, leads, pricing, and tenant isolation on every endpoint.
 */
describe('analytics API', () => {
  let svc: TestService;
  beforeAll(async () => {
    svc = await bootTestService({ name: 'analytics', modules: ({ platform, routerDeps }) => [createAnalyticsModule({ platform, routerDeps, maxBatchSize: 50 })] });
    // The test prices, as an operator would set them.
    const put = await httpRequest('PUT', `${svc.url}/admin/pricing`, { token: svc.adminToken, json: TEST_PRICES });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await svc?.stop();
  });

  async function tenantWithKey() {
    const tenantId = newId('tenant');
    await svc.prisma.tenant.create({ data: { id: tenantId, name: `Analytics spec ${uniqueSuffix()}` } });
    const apiKey = newApiKey();
    await svc.prisma.user.create({ data: { id: newId('user'), tenantId, email: `a-${uniqueSuffix()}@example.com`, apiKeyHash: hashApiKey(apiKey), apiKeyHint: apiKey.slice(-4) } });
    return { tenantId, apiKey };
  }
  const get = (path: string, token?: string) => httpRequest('GET', `${svc.url}${path}`, { token });
  /** Publishes as the gateway's and agent's relays would, one topic per event type, and waits until analytics shows every session. */
  async function ingest(events: EventEnvelope[]) {
    const topicOf = (e: EventEnvelope) => (e.type === 'call.transcript' ? TOPICS.callTranscript : e.type === 'call.usage' ? TOPICS.callUsage : TOPICS.callLifecycle);
    for (const topic of [TOPICS.callLifecycle, TOPICS.callTranscript, TOPICS.callUsage]) await svc.running.platform.bus.publish(topic, events.filter((e) => topicOf(e) === topic));
    const sessions = [...new Set(events.map((e) => e.key))];
    const lastIds = new Set(events.map((e) => e.id));
    await pollUntil(async () => (await svc.prisma.processedEvent.count({ where: { consumer: 'analytics.sessions', eventId: { in: [...lastIds] } } })) === lastIds.size, {
      description: `${sessions.length} sessions' events to be applied`,
    });
  }

  test('GET /voice/sessions/{id}: the session as API.md describes it; another tenant gets 404', async () => {
    const a = await tenantWithKey();
    const b = await tenantWithKey();
    const sessionId = newId('callSession');
    await ingest(callStream({ tenantId: a.tenantId, sessionId }));

    const res = await get(`/voice/sessions/${sessionId}`, a.apiKey);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: sessionId,
      direction: 'inbound',
      call_type: 'production',
      campaign_id: null,
      agent_id: 'agt_stream',
      from_number: '+919876543210',
      to_number: '+14155550142',
      provider: 'twilio',
      status: 'completed',
      end_reason: 'caller_hangup',
      started_at: '2026-03-10T14:00:00.000Z',
      answered_at: '2026-03-10T14:00:07.000Z',
      ended_at: '2026-03-10T14:01:52.000Z',
      duration_seconds: 105,
      transcript: [0, 1, 2, 3, 4, 5].map((seq) => ({ role: seq % 2 ? 'caller' : 'agent', text: `turn ${seq} of ${sessionId}`, at: new Date(Date.parse('2026-03-10T14:00:07Z') + (10 * seq + 1) * 1000).toISOString() })),
      recording_url: `https://recordings.example.com/${sessionId}.ogg`,
      usage: { llm_prompt_tokens: 1500, llm_completion_tokens: 500, tts_characters: 2000, stt_seconds: 90, telephony_minutes: 2 },
      cost: STREAM_COST_AT_TEST_PRICES,
    });
    const other = await get(`/voice/sessions/${sessionId}`, b.apiKey);
    expect({ status: other.status, code: apiError(other).code }).toEqual({ status: 404, code: 'not_found' });
    // The same answer as for an id with no session yet, which points at where a scheduled call waits.
    expect(other.body).toEqual((await get('/voice/sessions/cs_notplacedyet0000000000', b.apiKey)).body);
    expect(apiError(other).message).toContain('GET /voice/outbound/scheduled/{session_id}');
    expect((await get(`/voice/sessions/${sessionId}`)).status).toBe(401);
  });

  test('GET /voice/sessions: filters by call_type, direction, agent and time range; only the tenant’s own sessions', async () => {
    const a = await tenantWithKey();
    const b = await tenantWithKey();
    const day = (d: number) => new Date(Date.UTC(2026, 3, d, 12));
    const mk = (spec: Partial<Parameters<typeof callStream>[0]> & { d: number }) => {
      const sessionId = newId('callSession');
      return { sessionId, events: callStream({ tenantId: a.tenantId, sessionId, startedAt: day(spec.d), ...spec }) };
    };
    const calls = {
      inboundProd: mk({ d: 1, agentId: 'agt_one' }),
      outboundCampaign: mk({ d: 2, direction: 'outbound', callType: 'campaign', agentId: 'agt_two' }),
      studio: mk({ d: 3, direction: 'outbound', callType: 'studio_test', agentId: 'agt_one', provider: 'vobiz' }),
      inboundLate: mk({ d: 4, agentId: 'agt_two' }),
    };
    const foreign = newId('callSession');
    await ingest([...Object.values(calls).flatMap((c) => c.events), ...callStream({ tenantId: b.tenantId, sessionId: foreign, startedAt: day(2) })]);

    const list = async (query: string) => {
      const res = await get(`/voice/sessions?${query}`, a.apiKey);
      expect(res.status).toBe(200);
      return (res.body.data as Array<{ id: string }>).map((s) => s.id);
    };
    expect(await list('')).toEqual([calls.inboundLate, calls.studio, calls.outboundCampaign, calls.inboundProd].map((c) => c.sessionId));
    expect(await list('call_type=studio_test')).toEqual([calls.studio.sessionId]);
    expect(await list('direction=inbound')).toEqual([calls.inboundLate.sessionId, calls.inboundProd.sessionId]);
    expect(await list('agent_id=agt_one')).toEqual([calls.studio.sessionId, calls.inboundProd.sessionId]);
    expect(await list(`since=${day(2).toISOString()}&until=${day(4).toISOString()}`)).toEqual([calls.studio.sessionId, calls.outboundCampaign.sessionId]);
    expect(await list('direction=outbound&agent_id=agt_two')).toEqual([calls.outboundCampaign.sessionId]);
    expect(await list('call_type=studio_test&direction=inbound')).toEqual([]);

    const bList = await get('/voice/sessions', b.apiKey);
    expect((bList.body.data as Array<{ id: string }>).map((s) => s.id)).toEqual([foreign]);
    const bad = await get('/voice/sessions?call_type=premium&since=yesterday', a.apiKey);
    expect(bad.status).toBe(400);
    expect(apiError(bad).details?.map((d) => d.field).sort()).toEqual(['query.call_type', 'query.since']);
  });

  test('GET /voice/sessions: cursor pagination walks every session once, in a stable order, with ties on started_at', async () => {
    const a = await tenantWithKey();
    const starts = Array.from({ length: 23 }, (_, i) => new Date(Date.UTC(2026, 4, 1, 0, Math.floor(i / 3)))); // three calls per minute: ties
    const sessions = starts.map((startedAt) => ({ sessionId: newId('callSession'), startedAt }));
    await ingest(sessions.flatMap((s) => callStream({ tenantId: a.tenantId, ...s })));

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await get(`/voice/sessions?limit=5${cursor ? `&cursor=${cursor}` : ''}`, a.apiKey);
      expect(res.status).toBe(200);
      seen.push(...(res.body.data as Array<{ id: string }>).map((s) => s.id));
      cursor = res.body.next_cursor as string | null;
      pages++;
    } while (cursor && pages < 10);
    const expected = [...sessions].sort((x, y) => y.startedAt.getTime() - x.startedAt.getTime() || (y.sessionId < x.sessionId ? -1 : 1)).map((s) => s.sessionId);
    expect({ pages, seen }).toEqual({ pages: 5, seen: expected });
    const bad = await get('/voice/sessions?cursor=not-a-cursor', a.apiKey);
    expect({ status: bad.status, code: apiError(bad).code }).toEqual({ status: 400, code: 'validation_failed' });
  });

  test('GET /voice/analytics/summary: calls, minutes and cost in the range, studio test calls apart; per tenant', async () => {
    const a = await tenantWithKey();
    const b = await tenantWithKey();
    const at = (d: number) => new Date(Date.UTC(2026, 5, d, 8));
    await ingest([
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), startedAt: at(1) }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), startedAt: at(2), answered: false }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), startedAt: at(2), callType: 'studio_test', direction: 'outbound', provider: 'vobiz' }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), startedAt: at(9) }), // outside the range
      ...callStream({ tenantId: b.tenantId, sessionId: newId('callSession'), startedAt: at(2) }),
    ]);
    const res = await get(`/voice/analytics/summary?since=${at(1).toISOString()}&until=${at(5).toISOString()}`, a.apiKey);
    expect(res.status).toBe(200);
    const { currency: _c, ...paying } = STREAM_COST_AT_TEST_PRICES;
    expect(res.body).toEqual({
      since: at(1).toISOString(),
      until: at(5).toISOString(),
      campaign_id: null,
      currency: 'USD',
      paying: { calls: 2, answered_calls: 1, duration_seconds: 105, telephony_minutes: 2, cost: paying },
      // vobiz outbound at 0.005/min: 2 min = 0.01 telephony, same usage otherwise.
      studio_test: { calls: 1, answered_calls: 1, duration_seconds: 105, telephony_minutes: 2, cost: { ...paying, telephony: 0.01, total: 0.1215 } },
    });
    const empty = await get(`/voice/analytics/summary?since=${at(1).toISOString()}&until=${at(5).toISOString()}`, (await tenantWithKey()).apiKey);
    expect(empty.body).toMatchObject({ paying: { calls: 0, cost: { total: 0 } }, studio_test: { calls: 0 } });
    expect((await get('/voice/analytics/summary')).status).toBe(401);
  });

  test('campaigns: sessions carry campaign_id, ?campaign_id= lists one campaign’s calls and the summary can be asked for one; another tenant’s campaign id matches nothing', async () => {
    const a = await tenantWithKey();
    const b = await tenantWithKey();
    const [renewals, surveys] = [newId('campaign'), newId('campaign')];
    const at = (d: number, h = 9) => new Date(Date.UTC(2026, 8, d, h));
    const campaignCall = (tenantId: string, campaignId: string, startedAt: Date, answered = true) => {
      const sessionId = newId('callSession');
      return { sessionId, events: callStream({ tenantId, sessionId, campaignId, startedAt, answered, direction: 'outbound', callType: 'campaign', toNumber: '+15550110005' }) };
    };
    const calls = {
      r1: campaignCall(a.tenantId, renewals, at(1)),
      r2: campaignCall(a.tenantId, renewals, at(2), false),
      r3: campaignCall(a.tenantId, renewals, at(3)),
      s1: campaignCall(a.tenantId, surveys, at(2, 10)),
      // Another tenant's call under the same campaign id (ids are opaque: a guessed or copied one must not leak).
      foreign: campaignCall(b.tenantId, renewals, at(2, 11)),
    };
    const plain = newId('callSession');
    await ingest([...Object.values(calls).flatMap((c) => c.events), ...callStream({ tenantId: a.tenantId, sessionId: plain, startedAt: at(2, 12) })]);

    const one = await get(`/voice/sessions/${calls.r1.sessionId}`, a.apiKey);
    expect(one.body).toMatchObject({ id: calls.r1.sessionId, call_type: 'campaign', campaign_id: renewals, direction: 'outbound', to_number: '+15550110005' });
    expect((await get(`/voice/sessions/${plain}`, a.apiKey)).body).toMatchObject({ call_type: 'production', campaign_id: null });

    const list = async (query: string, token: string) => {
      const res = await get(`/voice/sessions?${query}`, token);
      expect(res.status).toBe(200);
      return (res.body.data as Array<{ id: string; campaign_id: string | null }>).map((s) => [s.id, s.campaign_id]);
    };
    expect(await list(`campaign_id=${renewals}`, a.apiKey)).toEqual([calls.r3, calls.r2, calls.r1].map((c) => [c.sessionId, renewals]));
    expect(await list(`campaign_id=${surveys}`, a.apiKey)).toEqual([[calls.s1.sessionId, surveys]]);
    expect(await list(`campaign_id=${renewals}&since=${at(2).toISOString()}&limit=1`, a.apiKey)).toEqual([[calls.r3.sessionId, renewals]]);
    expect(await list(`campaign_id=${renewals}`, b.apiKey)).toEqual([[calls.foreign.sessionId, renewals]]);
    expect(await list(`campaign_id=${surveys}`, b.apiKey)).toEqual([]);
    expect(await list(`campaign_id=${newId('campaign')}`, a.apiKey)).toEqual([]);

    const summary = async (query: string, token: string) => {
      const res = await get(`/voice/analytics/summary?${query}`, token);
      expect(res.status).toBe(200);
      return res.body;
    };
    const { currency: _c, ...answeredCost } = STREAM_COST_AT_TEST_PRICES;
    // Outbound Twilio at 0.02/min: 2 billed minutes per answered call.
    const perAnswered = { ...answeredCost, telephony: 0.04, total: 0.1515 };
    expect(await summary(`campaign_id=${renewals}`, a.apiKey)).toEqual({
      since: null,
      until: null,
      campaign_id: renewals,
      currency: 'USD',
      paying: { calls: 3, answered_calls: 2, duration_seconds: 210, telephony_minutes: 4, cost: { telephony: 0.08, llm: 0.005, tts: 0.2, stt: 0.018, total: 0.303 } },
      studio_test: { calls: 0, answered_calls: 0, duration_seconds: 0, telephony_minutes: 0, cost: { telephony: 0, llm: 0, tts: 0, stt: 0, total: 0 } },
    });
    expect(await summary(`campaign_id=${surveys}&since=${at(2).toISOString()}&until=${at(3).toISOString()}`, a.apiKey)).toMatchObject({ campaign_id: surveys, paying: { calls: 1, answered_calls: 1, cost: perAnswered } });
    expect(await summary(`campaign_id=${surveys}`, b.apiKey)).toMatchObject({ campaign_id: surveys, paying: { calls: 0, cost: { total: 0 } } });
    expect(await summary(`campaign_id=${renewals}`, b.apiKey)).toMatchObject({ paying: { calls: 1 } });

    const bad = await get(`/voice/sessions?campaign_id=${'x'.repeat(101)}`, a.apiKey);
    expect({ status: bad.status, fields: apiError(bad).details?.map((d) => d.field) }).toEqual({ status: 400, fields: ['query.campaign_id'] });
    const badSummary = await get(`/voice/analytics/summary?campaign_id=${'x'.repeat(101)}&since=soon`, a.apiKey);
    expect({ status: badSummary.status, fields: apiError(badSummary).details?.map((d) => d.field).sort() }).toEqual({ status: 400, fields: ['query.campaign_id', 'query.since'] });
  });

  test('GET /voice/leads: inbound callers of this tenant only, deduplicated by number, paginated', async () => {
    const a = await tenantWithKey();
    const b = await tenantWithKey();
    const callers = ['+14155550101', '+14155550102', '+14155550103'];
    const events = [
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), fromNumber: callers[0], startedAt: new Date('2026-07-01T10:00:00Z') }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), fromNumber: callers[0], startedAt: new Date('2026-07-03T10:00:00Z') }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), fromNumber: callers[1], startedAt: new Date('2026-07-02T10:00:00Z') }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), fromNumber: callers[2], startedAt: new Date('2026-07-04T10:00:00Z') }),
      ...callStream({ tenantId: a.tenantId, sessionId: newId('callSession'), direction: 'outbound', fromNumber: '+14155550199', startedAt: new Date('2026-07-05T10:00:00Z') }),
      ...callStream({ tenantId: b.tenantId, sessionId: newId('callSession'), fromNumber: '+14155550177' }),
    ];
    await ingest(events);
    await ingest(events.map((e) => ({ ...e, id: `${e.id}:again` }))); // redelivered under new ids (say, a producer retry): still counted once

    const first = await get('/voice/leads?limit=2', a.apiKey);
    expect(first.status).toBe(200);
    const second = await get(`/voice/leads?limit=2&cursor=${first.body.next_cursor}`, a.apiKey);
    expect(second.body.next_cursor).toBeNull();
    expect([...(first.body.data as unknown[]), ...(second.body.data as unknown[])]).toEqual([
      { number: callers[2], first_seen_at: '2026-07-04T10:00:00.000Z', last_seen_at: '2026-07-04T10:00:00.000Z', calls: 1 },
      { number: callers[1], first_seen_at: '2026-07-02T10:00:00.000Z', last_seen_at: '2026-07-02T10:00:00.000Z', calls: 1 },
      { number: callers[0], first_seen_at: '2026-07-01T10:00:00.000Z', last_seen_at: '2026-07-03T10:00:00.000Z', calls: 2 },
    ]);
    expect((await get('/voice/leads', b.apiKey)).body.data).toEqual([{ number: '+14155550177', first_seen_at: expect.any(String), last_seen_at: expect.any(String), calls: 1 }]);
    expect((await get('/voice/leads')).status).toBe(401);
  });

  test('/admin/pricing: operator only; PUT adds a version, GET shows the active one; bad tables are refused and change nothing', async () => {
    const { apiKey } = await tenantWithKey();
    expect((await get('/admin/pricing', apiKey)).status).toBe(401);
    expect((await httpRequest('PUT', `${svc.url}/admin/pricing`, { token: apiKey, json: TEST_PRICES })).status).toBe(401);
    const before = await get('/admin/pricing', svc.adminToken);
    expect(before.body).toMatchObject({ prices: TEST_PRICES });

    const dup = { ...TEST_PRICES, stt_per_minute: [...TEST_PRICES.stt_per_minute, ...TEST_PRICES.stt_per_minute], currency: 'usd' };
    const bad = await httpRequest('PUT', `${svc.url}/admin/pricing`, { token: svc.adminToken, json: dup });
    expect(bad.status).toBe(400);
    expect(apiError(bad).details?.map((d) => d.field).sort()).toEqual(['currency', 'stt_per_minute.1']);
    const eur = await httpRequest('PUT', `${svc.url}/admin/pricing`, { token: svc.adminToken, json: { ...TEST_PRICES, currency: 'EUR' } });
    expect({ status: eur.status, fields: apiError(eur).details?.map((d) => d.field) }).toEqual({ status: 400, fields: ['currency'] });
    expect((await get('/admin/pricing', svc.adminToken)).body).toEqual(before.body);

    const cheaper = { ...TEST_PRICES, tts_per_1k_characters: [{ provider: 'cartesia', model: '*', price: 0.01 }] };
    const put = await httpRequest('PUT', `${svc.url}/admin/pricing`, { token: svc.adminToken, json: cheaper });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: (before.body.version as number) + 1, prices: cheaper });
    expect((await get('/admin/pricing', svc.adminToken)).body).toEqual(put.body);
  });
});

import { SANDBOX_CALL_REQUESTED_EVENT_TYPE, SANDBOX_HANGUP_REQUESTED_EVENT_TYPE, SANDBOX_NUMBERS, SANDBOX_TRIAL_NUMBER, TOPICS } from '@callplane/contracts';
import { apiError, expectApiError, pollUntil, uniquePhoneNumber } from '@callplane/testing';
import { TestClock, useDialerService } from './dialer.test-harness';

/**
 * The dialer with no LiveKit (the sandbox, as `npm start` runs it), over HTTP: what cannot be placed is refused at
 * once, and the sandbox numbers can be called through every door (dial API, scheduled calls, studio test calls).
 */
describe('dialer API without LiveKit (the sandbox)', () => {
  const clock = new TestClock();
  const d = useDialerService({ clock, livekit: false });

  async function caller() {
    const t = await d.newTenantUser('Sandbox');
    const agentId = await d.newAgent(t.tenantId);
    const from = await d.newOutboundNumber(t.tenantId);
    return { ...t, agentId, from };
  }
  const inAnHour = () => new Date(clock.now().getTime() + 3600_000).toISOString();
  const calls = (tenantId: string) => d.prisma().outboundCall.count({ where: { tenantId } });
  /** The dispatch (in the background, after the answer) hands the call over with its session. */
  const sandboxCommand = (id: string) =>
    pollUntil(() => d.prisma().outboxEvent.findFirst({ where: { key: id, topic: TOPICS.dialerCommands } }), { description: `the sandbox command of ${id}` });

  describe('a real destination is refused at once: 409 livekit_not_configured, nothing written', () => {
    test.each([
      ['POST /voice/outbound/dial, now', false],
      ['POST /voice/outbound/dial, scheduled', true],
    ])('%s', async (_what, scheduled) => {
      const c = await caller();
      const to = uniquePhoneNumber();
      const res = await d.call('POST', '/voice/outbound/dial', {
        token: c.apiKey,
        json: { agent_id: c.agentId, from_number: c.from.number, to_number: to, ...(scheduled ? { scheduled_at: inAnHour() } : {}) },
      });
      expectApiError(res, 409, 'livekit_not_configured');
      const { message } = apiError(res);
      expect(message).toContain(to);
      expect(message).toContain('LIVEKIT_URL');
      expect(message).toContain(SANDBOX_NUMBERS.answers);
      expect(await calls(c.tenantId)).toBe(0);
    });

    test('POST /voice/studio/test-call', async () => {
      const c = await caller();
      const res = await d.call('POST', '/voice/studio/test-call', { token: c.apiKey, json: { agent_id: c.agentId, to_number: uniquePhoneNumber() } });
      expectApiError(res, 409, 'livekit_not_configured');
      expect(apiError(res).message).toContain('LIVEKIT_URL');
      expect(await calls(c.tenantId)).toBe(0);
      expect((await d.call('GET', '/voice/studio/quota', { token: c.apiKey })).body).toMatchObject({ used: 0 });
    });

    test('input errors still come first: a bad body is 400, an unknown agent 404', async () => {
      const c = await caller();
      expectApiError(await d.call('POST', '/voice/outbound/dial', { token: c.apiKey, json: { agent_id: c.agentId, from_number: c.from.number, to_number: 'nope' } }), 400, 'validation_failed');
      expectApiError(await d.call('POST', '/voice/outbound/dial', { token: c.apiKey, json: { agent_id: 'agt_nope', from_number: c.from.number, to_number: uniquePhoneNumber() } }), 404, 'not_found');
    });
  });

  test('a sandbox destination is accepted and handed to the sandbox media plane with its session', async () => {
    const c = await caller();
    const res = await d.call('POST', '/voice/outbound/dial', { token: c.apiKey, json: { agent_id: c.agentId, from_number: c.from.number, to_number: SANDBOX_NUMBERS.answers } });
    expect(res.status).toBe(202);
    const id = String(res.body.session_id);
    expect((await sandboxCommand(id)).envelope).toMatchObject({ type: SANDBOX_CALL_REQUESTED_EVENT_TYPE, data: { session_id: id, to_number: SANDBOX_NUMBERS.answers } });
  });

  test("studio test calls: the pool holds the sandbox's own number from the start, and a call to a sandbox number is placed from it", async () => {
    const pool = await d.call('GET', '/admin/trial-pool', { token: d.service().adminToken });
    expect(pool.body.data).toEqual([expect.objectContaining({ number: SANDBOX_TRIAL_NUMBER, provider: 'sip', region: 'US', in_use_by: null })]);

    const c = await caller();
    const res = await d.call('POST', '/voice/studio/test-call', { token: c.apiKey, json: { agent_id: c.agentId, to_number: SANDBOX_NUMBERS.answers } });
    expect(res.status).toBe(201);
    const id = String(res.body.session_id);
    expect((await sandboxCommand(id)).envelope).toMatchObject({ data: { session_id: id, call_type: 'studio_test', from_number: SANDBOX_TRIAL_NUMBER, to_number: SANDBOX_NUMBERS.answers, max_duration_seconds: 120 } });
    expect((await d.call('GET', `/voice/studio/test-call/${id}/status`, { token: c.apiKey })).body).toMatchObject({ state: 'initiating', max_seconds: 120, error: null });
    expect((await d.call('GET', '/voice/studio/quota', { token: c.apiKey })).body).toMatchObject({ used: 1 });

    // End Call hangs the sandbox call up the way deleting the room does on LiveKit: a command to the sandbox carrier.
    expect((await d.call('POST', `/voice/studio/test-call/${id}/end`, { token: c.apiKey })).status).toBe(200);
    const commands = await d.prisma().outboxEvent.findMany({ where: { key: id, topic: TOPICS.dialerCommands }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] });
    expect(commands.map((e) => e.envelope)).toEqual([
      expect.objectContaining({ type: SANDBOX_CALL_REQUESTED_EVENT_TYPE }),
      expect.objectContaining({ type: SANDBOX_HANGUP_REQUESTED_EVENT_TYPE, tenant_id: c.tenantId, data: { session_id: id } }),
    ]);
    expect(await d.prisma().callSession.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'completed', endReason: 'ended_by_user' });
  });
});

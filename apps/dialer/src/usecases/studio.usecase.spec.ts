import { openOutboundSession } from '@callplane/calls';
import { DO_NOT_CALL_MESSAGE, newId, TEST_CALL_REFUSALS } from '@callplane/contracts';
import { CALL_ROOM_PREFIX } from '@callplane/livekit';
import { AppError } from '@callplane/service-kit';
import { TestClock } from '../dialer.test-harness';
import { admitTestCall, endTestCall, testCallQuota, testCallState, testCallStatus } from './studio.usecase';
import { seedCall, seedTenant, seedTrialNumber, uniqueIndianNumber, usecaseDeps } from './usecase-deps.test-harness';

/** Studio test calls' decisions without HTTP: admission (quotas, trial pool), status, quota and ending. */
describe('studio test calls', () => {
  const clock = new TestClock();
  // Limits other than the defaults, so the refusals are seen to use the configured numbers. No LiveKit: test calls
  // to the sandbox carrier's numbers are placed through the voice agent's sandbox media plane.
  const deps = usecaseDeps({ clock, settings: { testCallUserDailyLimit: 2, testCallDestinationDailyLimit: 1, testCallMaxSeconds: 120 } });
  const { prisma } = deps;
  afterAll(() => deps.db.close());
  // Each test stocks the pool it needs: a number left free by another test would change what is leased.
  beforeEach(() => prisma.trialNumber.deleteMany({}));

  const newCaller = async () => {
    const t = await seedTenant(prisma, 'Studio');
    return { ...t, who: { tenantId: t.tenantId, userId: t.userId } };
  };
  const refusal = async (p: Promise<unknown>): Promise<AppError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
    return err;
  };
  const expectRefusal = (err: AppError, r: { status: number; code: string; message: string }, retryable = false) =>
    expect({ status: err.status, code: err.code, message: err.message, retryable: err.retryable }).toEqual({ ...r, retryable });
  const leasedBy = (sessionId: string) => prisma.trialNumber.findMany({ where: { inUseBy: sessionId } });

  describe('admitTestCall', () => {
    it("records the call on a leased trial number of the destination's region and counts it for the user", async () => {
      const me = await newCaller();
      const trial = await seedTrialNumber(prisma, 'vobiz');
      await seedTrialNumber(prisma, 'plivo');
      const to = uniqueIndianNumber();

      const { session_id } = await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: to });

      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: session_id } })).toMatchObject({
        tenantId: me.tenantId,
        userId: me.userId,
        agentId: me.agentId,
        fromNumber: trial.number,
        fromPhoneId: null,
        toNumber: to,
        callType: 'studio_test',
        state: 'dispatching',
        trialNumberId: trial.id,
        createdAt: clock.now(),
      });
      expect((await leasedBy(session_id)).map((n) => n.id)).toEqual([trial.id]);
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 1, limit: 2, remaining: 1 });
    });

    it('refuses a malformed or unsupported destination, or an agent not of the tenant, before counting anything', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'vobiz');
      const malformed = await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: '12' }));
      expect(malformed).toMatchObject({ code: 'validation_failed', details: [{ field: 'to_number', message: 'must be a phone number in E.164, such as +14155551234' }] });
      expectRefusal(await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: '+442071838750' })), TEST_CALL_REFUSALS.unsupportedDestination());
      const other = await newCaller();
      expect(await refusal(admitTestCall(deps, me.who, { agent_id: other.agentId, to_number: uniqueIndianNumber() }))).toMatchObject({ code: 'not_found', status: 404 });
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 0 });
      expect(await prisma.outboundCall.count({ where: { userId: me.userId } })).toBe(0);
    });

    it("refuses a destination on the tenant's do-not-call list with 409 do_not_call, before counting anything or leasing a number", async () => {
      const me = await newCaller();
      const trial = await seedTrialNumber(prisma, 'vobiz');
      const to = uniqueIndianNumber();
      await prisma.doNotCallNumber.create({ data: { tenantId: me.tenantId, number: to } });
      const err = await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: to.slice(1) }));
      expectRefusal(err, { status: 409, code: 'do_not_call', message: DO_NOT_CALL_MESSAGE });
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 0 });
      expect(await prisma.testCallCounter.count({ where: { scope: `destination:${to}` } })).toBe(0);
      expect(await prisma.trialNumber.findUniqueOrThrow({ where: { id: trial.id } })).toMatchObject({ inUseBy: null });
      expect(await prisma.outboundCall.count({ where: { userId: me.userId } })).toBe(0);
    });

    it("refuses the user past the daily limit, leaving the pool's numbers free", async () => {
      const me = await newCaller();
      for (let i = 0; i < 3; i++) await seedTrialNumber(prisma, 'vobiz');
      await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() });
      await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() });

      expectRefusal(await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() })), TEST_CALL_REFUSALS.userQuota(2));
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 2, remaining: 0 });
      expect(await prisma.trialNumber.count({ where: { inUseBy: null } })).toBe(1);
    });

    it("refuses a destination past its daily limit across users, without using up the second user's quota", async () => {
      const [a, b] = [await newCaller(), await newCaller()];
      await seedTrialNumber(prisma, 'vobiz');
      await seedTrialNumber(prisma, 'vobiz');
      const to = uniqueIndianNumber();
      await admitTestCall(deps, a.who, { agent_id: a.agentId, to_number: to });

      expectRefusal(await refusal(admitTestCall(deps, b.who, { agent_id: b.agentId, to_number: to })), TEST_CALL_REFUSALS.destinationQuota(1));
      expect(await testCallQuota(deps, b.who)).toMatchObject({ used: 0 });
    });

    it('answers pool_exhausted (retryable) when every number of the region is leased, consuming no quota', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'plivo'); // US only: an Indian destination finds no number
      expectRefusal(await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() })), TEST_CALL_REFUSALS.poolExhausted(), true);
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 0 });
    });

    it('with a daily limit of 0, refuses every test call', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'vobiz');
      const none = { ...deps, settings: { ...deps.settings, testCallUserDailyLimit: 0 } };
      expectRefusal(await refusal(admitTestCall(none, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() })), TEST_CALL_REFUSALS.userQuota(0));
    });
  });

  describe('testCallState', () => {
    const row = (over: Partial<Parameters<typeof testCallState>[0]>) => ({ state: 'dispatched', callState: null, error: null, endedAt: null, ...over });
    it.each([
      ['not dispatched yet', 'initiating', row({ state: 'dispatching' })],
      ['call initiating', 'initiating', row({ callState: 'initiating' })],
      ['call ringing', 'ringing', row({ callState: 'ringing' })],
      ['call in progress', 'live', row({ callState: 'in_progress' })],
      ['call ended unanswered', 'ended', row({ callState: 'no_answer' })],
      ['end time recorded before the event', 'ended', row({ callState: 'in_progress', endedAt: new Date('2026-11-25T10:00:00Z') })],
      ['a dispatch error while ringing', 'ended', row({ callState: 'ringing', error: 'dispatch_timeout' })],
      ['row canceled', 'ended', row({ state: 'canceled' })],
      ['row failed', 'ended', row({ state: 'failed' })],
      ['row ended', 'ended', row({ state: 'ended', callState: 'in_progress' })],
    ] as const)('%s → %s', (_case, state, call) => {
      expect(testCallState(call)).toBe(state);
    });
  });

  it("testCallQuota: today's count in UTC days, resetting at the next midnight UTC", async () => {
    const me = await newCaller();
    await seedTrialNumber(prisma, 'vobiz');
    clock.set('2026-11-25T23:59:00Z');
    await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() });
    expect(await testCallQuota(deps, me.who)).toEqual({ used: 1, limit: 2, remaining: 1, resets_at: '2026-11-26T00:00:00.000Z' });
    clock.set('2026-11-26T00:00:00Z');
    expect(await testCallQuota(deps, me.who)).toEqual({ used: 0, limit: 2, remaining: 2, resets_at: '2026-11-27T00:00:00.000Z' });
  });

  it('testCallStatus: seconds since the answer while live, answer to end once ended; only for its own user', async () => {
    const me = await newCaller();
    clock.set('2026-11-25T10:00:00Z');
    const answeredAt = new Date('2026-11-25T09:59:30.400Z');
    const call = await seedCall(prisma, { tenantId: me.tenantId, userId: me.userId, agentId: me.agentId, callType: 'studio_test', state: 'dispatched', callState: 'in_progress', answeredAt });
    expect(await testCallStatus(deps, me.who, call.id)).toEqual({ state: 'live', duration_seconds: 29, max_seconds: 120, error: null });

    await prisma.outboundCall.update({ where: { id: call.id }, data: { state: 'ended', callState: 'completed', endedAt: new Date('2026-11-25T09:59:50Z') } });
    clock.advance(60_000);
    expect(await testCallStatus(deps, me.who, call.id)).toEqual({ state: 'ended', duration_seconds: 19, max_seconds: 120, error: null });

    const other = await newCaller();
    expect(await refusal(testCallStatus(deps, other.who, call.id))).toMatchObject({ code: 'not_found' });
  });

  describe('endTestCall', () => {
    it('cancels a call not dispatched yet and frees its number; ending it again changes nothing', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'vobiz');
      const { session_id } = await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() });

      await endTestCall(deps, me.who, session_id);
      const ended = await prisma.outboundCall.findUniqueOrThrow({ where: { id: session_id } });
      expect(ended).toMatchObject({ state: 'canceled', error: null, endedAt: clock.now() });
      expect(await leasedBy(session_id)).toEqual([]);
      expect(await prisma.callSession.count({ where: { id: session_id } })).toBe(0);

      await endTestCall(deps, me.who, session_id);
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: session_id } })).toEqual(ended);
    });

    it('ends a placed call as completed, ended_by_user, through the call-state machine', async () => {
      const me = await newCaller();
      const trial = await seedTrialNumber(prisma, 'vobiz');
      const { session_id } = await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() });
      // Placed as the dispatch places it: the row dispatched, the session open and answered.
      await prisma.$transaction(async (tx) => {
        const call = await tx.outboundCall.update({ where: { id: session_id }, data: { state: 'dispatched' } });
        await openOutboundSession(tx, { id: call.id, tenantId: call.tenantId, agentId: call.agentId, phoneNumberId: null, callType: 'studio_test', fromNumber: trial.number, toNumber: call.toNumber, provider: 'vobiz', roomName: `${CALL_ROOM_PREFIX}${call.id}`, at: clock.now() });
      });
      await deps.transitions.report({ call: { sessionId: session_id }, state: 'in_progress', at: clock.now() });

      await endTestCall(deps, me.who, session_id);
      expect(await prisma.callSession.findUniqueOrThrow({ where: { id: session_id } })).toMatchObject({ status: 'completed', endReason: 'ended_by_user', endedAt: clock.now() });
    });

    it("answers not found for another user's test call", async () => {
      const me = await newCaller();
      const other = await newCaller();
      const call = await seedCall(prisma, { tenantId: other.tenantId, userId: other.userId, agentId: other.agentId, callType: 'studio_test' });
      expect(await refusal(endTestCall(deps, me.who, call.id))).toMatchObject({ code: 'not_found', status: 404 });
      expect(await refusal(endTestCall(deps, me.who, newId('callSession')))).toMatchObject({ code: 'not_found' });
    });
  });
});

import { openOutboundSession } from '@callplane/calls';
import { DO_NOT_CALL_MESSAGE, newId, SANDBOX_NUMBERS, SANDBOX_TRIAL_NUMBER, TEST_CALL_REFUSALS } from '@callplane/contracts';
import { CALL_ROOM_PREFIX, LiveKitCalls } from '@callplane/livekit';
import { AppError } from '@callplane/service-kit';
import { FakeLiveKit, uniquePhoneNumber } from '@callplane/testing';
import { LIVEKIT_KEYS, TestClock } from '../dialer.test-harness';
import type { DialerDeps } from './deps';
import { admitTestCall, abandonUndispatched, endTestCall, testCallQuota, testCallState, testCallStatus } from './studio.usecase';
import { recordDispatchError } from './dispatch-error';
import { ensureSandboxTrialNumber } from './trial-pool';
import { seedCall, seedTenant, seedTrialNumber, uniqueIndianNumber, usecaseDeps } from './usecase-deps.test-harness';

/** Studio test calls' decisions without HTTP: admission (quotas, trial pool), status, quota and ending. */
describe('studio test calls', () => {
  const clock = new TestClock();
  const livekit = new FakeLiveKit(LIVEKIT_KEYS);
  // Limits other than the defaults, so the refusals are seen to use the configured numbers. Without LiveKit (the
  // sandbox): test calls to the sandbox carrier's numbers only, from the pool's sandbox number.
  const sandbox = usecaseDeps({ clock, settings: { testCallUserDailyLimit: 2, testCallDestinationDailyLimit: 1, testCallMaxSeconds: 120 } });
  // With LiveKit: real destinations, from the carriers' pool numbers.
  let deps: DialerDeps;
  const { prisma } = sandbox;
  beforeAll(async () => {
    await livekit.start();
    deps = { ...sandbox, livekit: new LiveKitCalls({ url: livekit.url, ...LIVEKIT_KEYS }) };
  });
  afterAll(async () => {
    await livekit.stop();
    await sandbox.db.close();
  });
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
      const [me, other] = [await newCaller(), await newCaller()];
      await seedTrialNumber(prisma, 'vobiz');
      await seedTrialNumber(prisma, 'plivo'); // free, but a US number: it does not serve an Indian destination
      await admitTestCall(deps, other.who, { agent_id: other.agentId, to_number: uniqueIndianNumber() });
      expectRefusal(await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() })), TEST_CALL_REFUSALS.poolExhausted(), true);
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 0 });
    });

    it('answers trial_pool_empty (not retryable: an operator must add one) when the pool has no number for the destination at all, consuming no quota', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'plivo'); // US only
      const to = uniqueIndianNumber();
      const err = await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: to }));
      expectRefusal(err, { status: 503, code: 'trial_pool_empty', message: 'No trial numbers are configured yet. Ask your operator to add one.' });
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 0 });
      expect(await prisma.testCallCounter.count({ where: { scope: `destination:${to}` } })).toBe(0);
    });

    it('with a daily limit of 0, refuses every test call', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'vobiz');
      const none = { ...deps, settings: { ...deps.settings, testCallUserDailyLimit: 0 } };
      expectRefusal(await refusal(admitTestCall(none, me.who, { agent_id: me.agentId, to_number: uniqueIndianNumber() })), TEST_CALL_REFUSALS.userQuota(0));
    });
  });

  describe('without LiveKit (the sandbox)', () => {
    it('places a test call to a sandbox number from the pool\'s sandbox number, never from a carrier\'s', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'plivo');
      await ensureSandboxTrialNumber(sandbox);
      await ensureSandboxTrialNumber(sandbox); // kept once added
      expect(await prisma.trialNumber.findMany({ where: { provider: 'sip' } })).toEqual([expect.objectContaining({ number: SANDBOX_TRIAL_NUMBER, region: 'US', credentialsEnc: null, livekitOutboundTrunkId: null })]);

      const { session_id } = await admitTestCall(sandbox, me.who, { agent_id: me.agentId, to_number: ` ${SANDBOX_NUMBERS.answers}` });
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: session_id } })).toMatchObject({ fromNumber: SANDBOX_TRIAL_NUMBER, toNumber: SANDBOX_NUMBERS.answers, callType: 'studio_test' });
      expect(await testCallQuota(sandbox, me.who)).toMatchObject({ used: 1 });

      // One test call at a time holds it: the next is told the pool is busy, not empty, and the carrier's number is not used.
      expectRefusal(await refusal(admitTestCall(sandbox, me.who, { agent_id: me.agentId, to_number: SANDBOX_NUMBERS.busy })), TEST_CALL_REFUSALS.poolExhausted(), true);
      expect(await prisma.trialNumber.count({ where: { provider: 'plivo', inUseBy: { not: null } } })).toBe(0);
    });

    it('answers trial_pool_empty, not pool_exhausted, when the sandbox number is missing, even with a carrier number free', async () => {
      const me = await newCaller();
      await seedTrialNumber(prisma, 'plivo');
      // Another destination than the test above's: each takes one call a day here.
      expectRefusal(await refusal(admitTestCall(sandbox, me.who, { agent_id: me.agentId, to_number: SANDBOX_NUMBERS.fails })), TEST_CALL_REFUSALS.poolEmpty());
      expect(await testCallQuota(sandbox, me.who)).toMatchObject({ used: 0 });
    });

    it('refuses a real destination at once with 409 livekit_not_configured, saying to set LIVEKIT_URL or dial a sandbox number, counting nothing', async () => {
      const me = await newCaller();
      await ensureSandboxTrialNumber(sandbox);
      const to = uniquePhoneNumber();
      const err = await refusal(admitTestCall(sandbox, me.who, { agent_id: me.agentId, to_number: to }));
      expect({ status: err.status, code: err.code }).toEqual({ status: 409, code: 'livekit_not_configured' });
      expect(err.message).toContain('LIVEKIT_URL');
      expect(err.message).toContain(SANDBOX_NUMBERS.answers);
      expect(await testCallQuota(sandbox, me.who)).toMatchObject({ used: 0 });
      expect(await prisma.testCallCounter.count({ where: { scope: `destination:${to}` } })).toBe(0);
      expect(await prisma.trialNumber.count({ where: { inUseBy: { not: null } } })).toBe(0);
    });

    it('with LiveKit, a carrier number places the call and the sandbox number is left alone', async () => {
      const me = await newCaller();
      await ensureSandboxTrialNumber(sandbox);
      expectRefusal(await refusal(admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniquePhoneNumber() })), TEST_CALL_REFUSALS.poolEmpty());
      const plivo = await seedTrialNumber(prisma, 'plivo');
      const { session_id } = await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: uniquePhoneNumber() });
      expect(await leasedBy(session_id)).toEqual([expect.objectContaining({ id: plivo.id })]);
    });
  });

  describe('a test call the platform failed to place before it rang is not counted', () => {
    const quotas = async (me: { userId: string }, to: string) => {
      const counters = await prisma.testCallCounter.findMany({ where: { scope: { in: [`user:${me.userId}`, `destination:${to}`] } } });
      return Object.fromEntries(counters.map((c) => [c.scope.split(':')[0], c.count]));
    };
    const admitted = async (me: Awaited<ReturnType<typeof newCaller>>) => {
      await seedTrialNumber(prisma, 'vobiz');
      const to = uniqueIndianNumber();
      const { session_id } = await admitTestCall(deps, me.who, { agent_id: me.agentId, to_number: to });
      expect(await quotas(me, to)).toEqual({ user: 1, destination: 1 });
      return { id: session_id, to };
    };

    it('an error recorded before ringing gives the call back to the user\'s and the destination\'s quotas, once', async () => {
      const me = await newCaller();
      const call = await admitted(me);
      expect(await prisma.$transaction((tx) => recordDispatchError(tx, call.id, 'dispatch_failed', clock.now()))).toBe(true);
      expect(await quotas(me, call.to)).toEqual({ user: 0, destination: 0 });
      expect(await testCallQuota(deps, me.who)).toMatchObject({ used: 0, remaining: 2 });
      // A second reason (the watchdog after a failed dial) changes neither the reason nor the counts.
      expect(await prisma.$transaction((tx) => recordDispatchError(tx, call.id, 'dispatch_timeout', clock.now()))).toBe(false);
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({ error: 'dispatch_failed' });
      expect(await quotas(me, call.to)).toEqual({ user: 0, destination: 0 });
    });

    it('a call that rang before it failed still counts', async () => {
      const me = await newCaller();
      const call = await admitted(me);
      await prisma.outboundCall.update({ where: { id: call.id }, data: { ringingAt: clock.now() } });
      await prisma.$transaction((tx) => recordDispatchError(tx, call.id, 'dispatch_timeout', clock.now()));
      expect(await quotas(me, call.to)).toEqual({ user: 1, destination: 1 });
    });

    it('a dispatch that crashed before the session is given back; a call the user canceled before it dialed is not', async () => {
      const me = await newCaller();
      const crashed = await admitted(me);
      expect(await abandonUndispatched(deps, crashed.id, 'dispatch_failed')).toBe(true);
      expect(await quotas(me, crashed.to)).toEqual({ user: 0, destination: 0 });

      const canceled = await admitted(me);
      await endTestCall(deps, me.who, canceled.id);
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: canceled.id } })).toMatchObject({ state: 'canceled', error: null });
      expect(await quotas(me, canceled.to)).toEqual({ user: 1, destination: 1 });
    });

    it('the refund goes to the day the call was counted on, not the day it failed', async () => {
      const me = await newCaller();
      clock.set('2026-11-25T23:59:30Z');
      const call = await admitted(me);
      clock.set('2026-11-26T00:01:00Z');
      await prisma.$transaction((tx) => recordDispatchError(tx, call.id, 'dispatch_timeout', clock.now()));
      const days = await prisma.testCallCounter.findMany({ where: { scope: `user:${me.userId}` } });
      expect(days.map((d) => [d.day.toISOString().slice(0, 10), d.count])).toEqual([['2026-11-25', 0]]);
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

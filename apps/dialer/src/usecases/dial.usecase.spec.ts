import { DO_NOT_CALL_MESSAGE, MAX_SCHEDULE_AHEAD_DAYS, newId, SANDBOX_CALL_REQUESTED_EVENT_TYPE, SANDBOX_NUMBERS, TOPICS, type DialRequest } from '@callplane/contracts';
import { AppError, createLogger } from '@callplane/service-kit';
import { TestClock } from '../dialer.test-harness';
import { cancelScheduledCall, dialOutbound } from './dial.usecase';
import { seedCall, seedNumber, seedTenant, usecaseDeps } from './usecase-deps.test-harness';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The dial API's decisions without HTTP: what is refused (writing nothing), what is recorded, what is dispatched. */
describe('dialOutbound and cancelScheduledCall', () => {
  const clock = new TestClock();
  // No LiveKit: dispatches in these tests go to the sandbox carrier, whose command is the only trace they leave.
  const deps = usecaseDeps({ clock });
  const { prisma } = deps;
  const log = createLogger({ name: 'dial-usecase-spec', level: 'silent' });
  afterAll(() => deps.db.close());

  async function caller() {
    const t = await seedTenant(prisma, 'Dial');
    const from = await seedNumber(prisma, t.tenantId, { provider: 'sip' });
    return { ...t, from, who: { tenantId: t.tenantId, userId: t.userId } };
  }
  type Caller = Awaited<ReturnType<typeof caller>>;
  const request = (c: Caller, over: Partial<DialRequest> = {}): DialRequest => ({ agent_id: c.agentId, to_number: SANDBOX_NUMBERS.answers, from_number: c.from.number, ...over });
  const refusal = async (p: Promise<unknown>): Promise<AppError> => {
    const err = await p.then(
      () => null,
      (e: unknown) => e,
    );
    if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
    return err;
  };
  const rows = (tenantId: string) => prisma.outboundCall.findMany({ where: { tenantId } });

  describe('dialOutbound', () => {
    it('records an immediate call and dispatches it in the background, tracked for drains', async () => {
      const c = await caller();
      const res = await dialOutbound(deps, log, c.who, request(c, { context: { customer_name: 'Asha' }, webhook_url: 'https://hooks.example.com/calls' }));

      expect(res).toEqual({ session_id: expect.stringMatching(/^cs_/), status: 'initiating' });
      expect(deps.inflight.size).toBe(1);
      await Promise.all([...deps.inflight]);
      expect(deps.inflight.size).toBe(0);
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: res.session_id } })).toMatchObject({
        tenantId: c.tenantId,
        userId: c.userId,
        agentId: c.agentId,
        fromPhoneId: c.from.id,
        fromNumber: c.from.number,
        toNumber: SANDBOX_NUMBERS.answers,
        callType: 'production',
        context: { customer_name: 'Asha' },
        webhookUrl: 'https://hooks.example.com/calls',
        scheduledAt: null,
        createdAt: clock.now(),
        state: 'dispatched',
      });
      const commands = await prisma.outboxEvent.findMany({ where: { key: res.session_id, topic: TOPICS.dialerCommands } });
      expect(commands.map((e) => (e.envelope as { type: string }).type)).toEqual([SANDBOX_CALL_REQUESTED_EVENT_TYPE]);
    });

    it('records a scheduled call for the scheduler and dispatches nothing now', async () => {
      const c = await caller();
      const at = new Date(clock.now().getTime() + 60_000);
      const res = await dialOutbound(deps, log, c.who, request(c, { scheduled_at: at.toISOString() }));

      expect(res).toEqual({ session_id: expect.stringMatching(/^cs_/), status: 'scheduled' });
      expect(deps.inflight.size).toBe(0);
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: res.session_id } })).toMatchObject({ state: 'scheduled', callType: 'scheduled', scheduledAt: at });
      expect(await prisma.callSession.count({ where: { id: res.session_id } })).toBe(0);
    });

    it('takes scheduled_at only in the future and at most a year ahead', async () => {
      const c = await caller();
      const now = clock.now().getTime();
      const limit = now + MAX_SCHEDULE_AHEAD_DAYS * DAY_MS;
      for (const [at, message] of [
        [now, /^scheduled_at must be in the future/],
        [now - 1, /^scheduled_at must be in the future/],
        [limit + 1, new RegExp(`^scheduled_at must be at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead`)],
      ] as const) {
        const err = await refusal(dialOutbound(deps, log, c.who, request(c, { scheduled_at: new Date(at).toISOString() })));
        expect(err).toMatchObject({ code: 'validation_failed', status: 400, details: [{ field: 'scheduled_at', message: expect.any(String) }] });
        expect(err.message).toMatch(message);
      }
      expect(await rows(c.tenantId)).toEqual([]);
      expect(await dialOutbound(deps, log, c.who, request(c, { scheduled_at: new Date(limit).toISOString() }))).toMatchObject({ status: 'scheduled' });
    });

    it("refuses another tenant's agent or number as not found, writing nothing", async () => {
      const c = await caller();
      const other = await caller();
      expect(await refusal(dialOutbound(deps, log, c.who, request(c, { agent_id: other.agentId })))).toMatchObject({ code: 'not_found', status: 404 });
      expect(await refusal(dialOutbound(deps, log, c.who, request(c, { agent_id: newId('agent') })))).toMatchObject({ code: 'not_found' });
      const err = await refusal(dialOutbound(deps, log, c.who, request(c, { from_number: other.from.number })));
      expect(err).toMatchObject({ code: 'not_found', status: 404 });
      expect(err.message).toBe(`${other.from.number} is not one of your phone numbers. Import it first, or send one of yours as from_number.`);
      expect(await rows(c.tenantId)).toEqual([]);
    });

    it('refuses a number without outbound calling, or not ready, with from_number_not_outbound saying which', async () => {
      const c = await caller();
      const off = await seedNumber(prisma, c.tenantId, { outboundEnabled: false });
      const importing = await seedNumber(prisma, c.tenantId, { state: 'importing' });

      const offErr = await refusal(dialOutbound(deps, log, c.who, request(c, { from_number: off.number })));
      expect(offErr).toMatchObject({ code: 'from_number_not_outbound', status: 422, details: [{ field: 'from_number', message: 'does not have outbound calling enabled' }] });
      expect(offErr.message).toBe(`${off.number} does not have outbound calling enabled. Use a number with outbound enabled as from_number.`);
      const importingErr = await refusal(dialOutbound(deps, log, c.who, request(c, { from_number: importing.number })));
      expect(importingErr).toMatchObject({ code: 'from_number_not_outbound', status: 422, details: [{ field: 'from_number', message: 'is not ready for calls (state importing)' }] });
      expect(await rows(c.tenantId)).toEqual([]);
      expect(deps.inflight.size).toBe(0);
    });

    it("refuses a destination on the tenant's do-not-call list, now or scheduled, with 409 do_not_call, writing nothing", async () => {
      const c = await caller();
      await prisma.doNotCallNumber.create({ data: { tenantId: c.tenantId, number: SANDBOX_NUMBERS.busy } });
      for (const over of [{}, { scheduled_at: new Date(clock.now().getTime() + 60_000).toISOString() }]) {
        const err = await refusal(dialOutbound(deps, log, c.who, request(c, { to_number: SANDBOX_NUMBERS.busy, ...over })));
        expect({ code: err.code, status: err.status, message: err.message }).toEqual({ code: 'do_not_call', status: 409, message: DO_NOT_CALL_MESSAGE });
      }
      expect(await rows(c.tenantId)).toEqual([]);
      expect(deps.inflight.size).toBe(0);
      // The list is the tenant's: another tenant calls the same number.
      const other = await caller();
      expect(await dialOutbound(deps, log, other.who, request(other, { to_number: SANDBOX_NUMBERS.busy, scheduled_at: new Date(clock.now().getTime() + 60_000).toISOString() }))).toMatchObject({ status: 'scheduled' });
    });
  });

  describe('cancelScheduledCall', () => {
    it('cancels a call still waiting for its time, and answers the same when asked again', async () => {
      const c = await caller();
      const call = await seedCall(prisma, { tenantId: c.tenantId, agentId: c.agentId, callType: 'scheduled', state: 'scheduled', scheduledAt: new Date(clock.now().getTime() + 60_000) });
      clock.advance(1_000);
      expect(await cancelScheduledCall(deps, log, c.who, call.id)).toEqual({ session_id: call.id, status: 'canceled' });
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({ state: 'canceled', updatedAt: clock.now() });
      expect(await cancelScheduledCall(deps, log, c.who, call.id)).toEqual({ session_id: call.id, status: 'canceled' });
    });

    it('refuses once the call was placed (409 not_cancellable)', async () => {
      const c = await caller();
      for (const state of ['dispatching', 'dispatched', 'ended']) {
        const call = await seedCall(prisma, { tenantId: c.tenantId, agentId: c.agentId, callType: 'scheduled', state });
        expect(await refusal(cancelScheduledCall(deps, log, c.who, call.id))).toMatchObject({ code: 'not_cancellable', status: 409 });
        expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: call.id } })).toMatchObject({ state });
      }
    });

    it("answers not found for another tenant's call, a studio test call, or no call at all", async () => {
      const c = await caller();
      const other = await caller();
      const theirs = await seedCall(prisma, { tenantId: other.tenantId, agentId: other.agentId, callType: 'scheduled', state: 'scheduled' });
      const test = await seedCall(prisma, { tenantId: c.tenantId, agentId: c.agentId, callType: 'studio_test', state: 'scheduled' });
      for (const id of [theirs.id, test.id, newId('callSession')]) {
        expect(await refusal(cancelScheduledCall(deps, log, c.who, id))).toMatchObject({ code: 'not_found', status: 404 });
      }
      expect(await prisma.outboundCall.findUniqueOrThrow({ where: { id: theirs.id } })).toMatchObject({ state: 'scheduled' });
    });
  });
});

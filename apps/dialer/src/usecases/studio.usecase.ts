import {
  isTerminalState,
  newId,
  parseDialNumber,
  TEST_CALL_REFUSALS,
  trialRegionOf,
  type CallState,
  type RecentNumbers,
  type TestCallCreate,
  type TestCallQuota,
  type TestCallState,
  type TestCallStatus,
} from '@callplane/contracts';
import type { OutboundCall } from '@callplane/db';
import { AppError, notFound } from '@callplane/service-kit';
import type { DialerDeps } from './deps';
import { countAdmission } from './dial-metrics';
import { mediaPlaneFor, refuseUnplaceable } from './dial-plan';
import { dispatchRetrying } from './dispatch';
import { hangUp } from './hang-up';
import { refuseListedDestination } from './do-not-call.usecase';
import { recordDispatchError } from './dispatch-error';
import { quotaScopes, takeOne, utcDay } from './test-call-quota';
import { hasTrialNumbers, leaseTrialNumber, releaseLease } from './trial-pool';

/** The user asking: test calls are counted and shown per user. */
export interface TestCaller {
  tenantId: string;
  userId: string;
}

type Refusal = ReturnType<(typeof TEST_CALL_REFUSALS)[keyof typeof TEST_CALL_REFUSALS]>;
const refuse = (r: Refusal) => new AppError(r.code, r.message, { status: r.status, retryable: r.code === 'pool_exhausted' });

/** `POST /voice/studio/test-call`: admit the call (quotas, trial number, row), then dispatch it in the background. */
export async function requestTestCall(deps: DialerDeps, caller: TestCaller, input: TestCallCreate): Promise<{ session_id: string }> {
  const admitted = await countAdmission(deps.dialMetrics, 'studio_test', () => admitTestCall(deps, caller, input));
  dispatchTestCall(deps, admitted.session_id);
  return admitted;
}

/**
 * Admission, all in one transaction: one of the user's daily test calls, one of the destination's (across all
 * users), a free trial number of the destination's region, and the `dispatching` row. Each quota is a conditional
 * increment (no row back = the limit is reached); any refusal rolls the transaction back, so a refused request
 * consumes nothing. Locks are taken in one order (user counter, destination counter, then a SKIP LOCKED number), so
 * concurrent admissions queue on a hot counter but never deadlock or wait for the pool.
 */
export async function admitTestCall(deps: DialerDeps, caller: TestCaller, input: TestCallCreate): Promise<{ session_id: string }> {
  const { settings } = deps;
  // The sandbox numbers (+1 numbers of a fictional range) are destinations like any other.
  const to = parseDialNumber(input.to_number)?.number;
  if (!to) throw new AppError('validation_failed', 'Some fields are invalid: to_number. See details.', { details: [{ field: 'to_number', message: 'must be a phone number in E.164, such as +14155551234' }] });
  const region = trialRegionOf(to);
  if (!region) throw refuse(TEST_CALL_REFUSALS.unsupportedDestination());
  const agent = await deps.prisma.agent.findFirst({ where: { id: input.agent_id, tenantId: caller.tenantId }, select: { id: true } });
  if (!agent) throw notFound('The agent');
  // Before the transaction: a refusal uses none of the day's quotas.
  refuseUnplaceable(deps, to);
  await refuseListedDestination(deps.prisma, caller.tenantId, to);
  // A sandbox call is placed from the pool's sandbox number, a real one from a carrier's.
  const sandbox = mediaPlaneFor(deps, to) === 'sandbox';

  const at = deps.now();
  const day = utcDay(at);
  const sessionId = newId('callSession');
  await deps.prisma.$transaction(
    async (tx) => {
      if (!(await takeOne(tx, quotaScopes.user(caller.userId), day, settings.testCallUserDailyLimit))) throw refuse(TEST_CALL_REFUSALS.userQuota(settings.testCallUserDailyLimit));
      if (!(await takeOne(tx, quotaScopes.destination(to), day, settings.testCallDestinationDailyLimit))) {
        throw refuse(TEST_CALL_REFUSALS.destinationQuota(settings.testCallDestinationDailyLimit));
      }
      const trial = await leaseTrialNumber(tx, { region, sandbox }, sessionId, at);
      // None free: the pool is busy, or it has no number for this destination at all.
      if (!trial) throw refuse((await hasTrialNumbers(tx, { region, sandbox })) ? TEST_CALL_REFUSALS.poolExhausted() : TEST_CALL_REFUSALS.poolEmpty());
      await tx.outboundCall.create({
        data: { id: sessionId, tenantId: caller.tenantId, userId: caller.userId, agentId: agent.id, fromNumber: trial.number, toNumber: to, callType: 'studio_test', state: 'dispatching', claimedBy: deps.replica, trialNumberId: trial.id, createdAt: at },
      });
    },
    // Admissions queue on a hot counter's row lock: wait for a connection and the lock rather than fail.
    { timeout: 15_000 },
  );
  deps.logger.info({ tenant_id: caller.tenantId, session_id: sessionId, region }, 'studio test call admitted');
  return { session_id: sessionId };
}

/**
 * The one dispatch path (`dispatchRetrying`), tracked for drains like `startDispatch`. A dispatch that still fails
 * before the call session exists would leave no event to free the trial number, so that case releases it here.
 */
export function dispatchTestCall(deps: DialerDeps, sessionId: string): void {
  const p = dispatchRetrying(deps, sessionId)
    .catch(async (err: unknown) => {
      deps.logger.error({ session_id: sessionId, err }, 'studio test call dispatch crashed');
      await abandonUndispatched(deps, sessionId, 'dispatch_failed');
    })
    .catch((err: unknown) => deps.logger.error({ session_id: sessionId, err }, 'could not release the trial number of a failed dispatch'))
    .finally(() => deps.inflight.delete(p));
  deps.inflight.add(p);
}

/**
 * Marks a call that never got a session as failed (the platform's error, which gives the test back to the day's
 * quotas) or canceled (by the user: it counts), and frees its number; false when it was already dispatched.
 */
export async function abandonUndispatched(deps: DialerDeps, sessionId: string, reason: string, state: 'failed' | 'canceled' = 'failed'): Promise<boolean> {
  return deps.prisma.$transaction(async (tx) => {
    const at = deps.now();
    const { count } = await tx.outboundCall.updateMany({ where: { id: sessionId, state: 'dispatching' }, data: { state, endedAt: at } });
    if (count === 0) return false;
    if (state === 'failed') await recordDispatchError(tx, sessionId, reason, at);
    await releaseLease(tx, sessionId);
    return true;
  });
}

/** `GET /voice/studio/test-call/{id}/status`, from the dialer's row (kept current by the call.lifecycle consumer). */
export async function testCallStatus(deps: DialerDeps, caller: TestCaller, sessionId: string): Promise<TestCallStatus> {
  const call = await ownTestCall(deps, caller, sessionId);
  const answeredAt = call.answeredAt?.getTime();
  const until = call.endedAt?.getTime() ?? deps.now().getTime();
  return {
    state: testCallState(call),
    duration_seconds: answeredAt === undefined ? 0 : Math.max(0, Math.floor((until - answeredAt) / 1000)),
    max_seconds: deps.settings.testCallMaxSeconds,
    error: call.error,
  };
}

export function testCallState(call: Pick<OutboundCall, 'state' | 'callState' | 'error' | 'endedAt'>): TestCallState {
  const callState = call.callState as CallState | null;
  if (call.endedAt || call.error || ['failed', 'canceled', 'ended'].includes(call.state) || (callState && isTerminalState(callState))) return 'ended';
  if (callState === 'in_progress') return 'live';
  if (callState === 'ringing') return 'ringing';
  return 'initiating';
}

/**
 * `POST /voice/studio/test-call/{id}/end`: hang up (on LiveKit or the sandbox carrier: ./hang-up.ts) and record the
 * end as `completed`, reason `ended_by_user`; the lifecycle event then frees the trial number. Ending an ended call
 * changes nothing. A call not dispatched yet is canceled before it dials.
 */
export async function endTestCall(deps: DialerDeps, caller: TestCaller, sessionId: string): Promise<void> {
  const call = await ownTestCall(deps, caller, sessionId);
  if (testCallState(call) === 'ended') return;
  if (call.state === 'dispatching' && (await abandonUndispatched(deps, call.id, 'ended_by_user', 'canceled'))) return;
  try {
    await hangUp(deps, call);
  } catch (err) {
    throw new AppError('livekit_unavailable', 'The call could not be ended right now. Retry in a few seconds.', { cause: err });
  }
  await deps.transitions.report({ call: { sessionId: call.id }, state: 'completed', at: deps.now(), endReason: 'ended_by_user' });
}

/** `GET /voice/studio/quota`: the user's test calls today (UTC). */
export async function testCallQuota(deps: DialerDeps, caller: TestCaller): Promise<TestCallQuota> {
  const now = deps.now();
  const day = utcDay(now);
  const row = await deps.prisma.testCallCounter.findUnique({ where: { scope_day: { scope: quotaScopes.user(caller.userId), day: new Date(`${day}T00:00:00Z`) } } });
  const limit = deps.settings.testCallUserDailyLimit;
  const used = row?.count ?? 0;
  return { used, limit, remaining: Math.max(0, limit - used), resets_at: nextUtcMidnight(now).toISOString() };
}

/** `GET /voice/studio/recent-numbers`: the destinations the user tested, newest first, each once. */
export async function recentTestNumbers(deps: DialerDeps, caller: TestCaller, limit = 10): Promise<RecentNumbers> {
  const rows = await deps.prisma.outboundCall.groupBy({
    by: ['toNumber'],
    where: { userId: caller.userId, tenantId: caller.tenantId, callType: 'studio_test' },
    _max: { createdAt: true },
    orderBy: { _max: { createdAt: 'desc' } },
    take: limit,
  });
  return { data: rows.map((r) => ({ to_number: r.toNumber, last_called_at: (r._max.createdAt ?? new Date(0)).toISOString() })) };
}

async function ownTestCall(deps: DialerDeps, caller: TestCaller, sessionId: string): Promise<OutboundCall> {
  const call = await deps.prisma.outboundCall.findFirst({ where: { id: sessionId, userId: caller.userId, tenantId: caller.tenantId, callType: 'studio_test' } });
  if (!call) throw notFound('The test call');
  return call;
}

const nextUtcMidnight = (at: Date): Date => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate() + 1));

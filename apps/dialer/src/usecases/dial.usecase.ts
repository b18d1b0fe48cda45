import { MAX_SCHEDULE_AHEAD_DAYS, newId, type CallType, type CancelScheduledResponse, type DialRequest, type DialResponse } from '@callplane/contracts';
import { AppError, notFound, type Logger } from '@callplane/service-kit';
import type { DialerDeps } from './deps';
import { countAdmission } from './dial-metrics';
import { refuseUnplaceable } from './dial-plan';
import { startDispatch } from './dispatch';
import { refuseListedDestination } from './do-not-call.usecase';

export interface Caller {
  tenantId: string;
  userId: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * `POST /voice/outbound/dial`: checks the agent and the from-number belong to the tenant, records the call, and
 * either dispatches it now (in the background: the API answers 202 at once) or leaves it for the scheduler. A
 * destination no media plane can reach (a real number with no LiveKit: `409 livekit_not_configured`) or on the
 * tenant's do-not-call list (`409 do_not_call`) is refused. Nothing is written, and LiveKit is not asked anything,
 * when the request is refused.
 */
export function dialOutbound(deps: DialerDeps, log: Logger, caller: Caller, input: DialRequest): Promise<DialResponse> {
  const callType: CallType = input.scheduled_at ? 'scheduled' : 'production';
  return countAdmission(deps.dialMetrics, callType, () => admitDial(deps, log, caller, input, callType));
}

async function admitDial(deps: DialerDeps, log: Logger, caller: Caller, input: DialRequest, callType: CallType): Promise<DialResponse> {
  const now = deps.now();
  const scheduledAt = input.scheduled_at ? new Date(input.scheduled_at) : null;
  if (scheduledAt) checkScheduleTime(scheduledAt, now);

  const agent = await deps.prisma.agent.findFirst({ where: { id: input.agent_id, tenantId: caller.tenantId }, select: { id: true } });
  if (!agent) throw notFound('The agent');
  const phone = await deps.prisma.phoneNumber.findFirst({ where: { number: input.from_number, tenantId: caller.tenantId } });
  // Another tenant's number answers as a number that does not exist: existence is not leaked.
  if (!phone) throw new AppError('not_found', `${input.from_number} is not one of your phone numbers. Import it first, or send one of yours as from_number.`);
  if (!phone.outboundEnabled || phone.state !== 'active') {
    const why = !phone.outboundEnabled ? 'does not have outbound calling enabled' : `is not ready for calls (state ${phone.state})`;
    throw new AppError('from_number_not_outbound', `${phone.number} ${why}. Use a number with outbound enabled as from_number.`, {
      status: 422,
      details: [{ field: 'from_number', message: why }],
    });
  }
  // A real number with no LiveKit could never be placed: refused now, not accepted to fail a moment (or a day) later.
  refuseUnplaceable(deps, input.to_number);
  // A scheduled call is checked again when it fires (dial-plan), since the number may be listed in between.
  await refuseListedDestination(deps.prisma, caller.tenantId, input.to_number);

  const id = newId('callSession');
  await deps.prisma.outboundCall.create({
    data: {
      id,
      tenantId: caller.tenantId,
      userId: caller.userId,
      agentId: agent.id,
      fromPhoneId: phone.id,
      fromNumber: phone.number,
      toNumber: input.to_number,
      callType,
      context: input.context ?? {},
      // The scheduler claims `scheduled` rows when due; an immediate call is claimed by this request.
      state: scheduledAt ? 'scheduled' : 'dispatching',
      claimedBy: scheduledAt ? null : deps.replica,
      scheduledAt,
      webhookUrl: input.webhook_url ?? null,
      createdAt: now,
      updatedAt: now,
    },
  });
  log.info({ session_id: id, call_type: callType, scheduled_at: scheduledAt?.toISOString() }, scheduledAt ? 'outbound call scheduled' : 'outbound call accepted');
  if (!scheduledAt) startDispatch(deps, id);
  return { session_id: id, status: scheduledAt ? 'scheduled' : 'initiating' };
}

/**
 * `POST /voice/outbound/scheduled/{session_id}/cancel`: only while the call is still waiting for its time. The
 * update is conditional on `state = 'scheduled'`, so it cannot slip in after the scheduler claimed the row (the
 * claim holds the row lock; this update then sees `dispatching` and changes nothing). Cancelling twice answers the same.
 */
export async function cancelScheduledCall(deps: DialerDeps, log: Logger, caller: Caller, sessionId: string): Promise<CancelScheduledResponse> {
  const where = { id: sessionId, tenantId: caller.tenantId, callType: { in: ['scheduled', 'production'] } };
  const { count } = await deps.prisma.outboundCall.updateMany({ where: { ...where, state: 'scheduled' }, data: { state: 'canceled', updatedAt: deps.now() } });
  if (count === 1) {
    log.info({ session_id: sessionId }, 'scheduled call canceled');
    return { session_id: sessionId, status: 'canceled' };
  }
  const call = await deps.prisma.outboundCall.findFirst({ where, select: { state: true } });
  if (!call) throw notFound('The scheduled call');
  if (call.state === 'canceled') return { session_id: sessionId, status: 'canceled' };
  throw new AppError('not_cancellable', 'This call has already been placed, so it can no longer be canceled.', { status: 409 });
}

function checkScheduleTime(at: Date, now: Date): void {
  const bad = (message: string) => new AppError('validation_failed', `scheduled_at ${message}.`, { details: [{ field: 'scheduled_at', message }] });
  if (at.getTime() <= now.getTime()) throw bad(`must be in the future (now is ${now.toISOString()}); leave it out to call now`);
  if (at.getTime() > now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * DAY_MS) throw bad(`must be at most ${MAX_SCHEDULE_AHEAD_DAYS} days ahead`);
}

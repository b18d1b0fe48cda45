import { callLifecycleDataSchema, TERMINAL_CALL_STATES, type CallState, type EventEnvelope } from '@callplane/contracts';
import type { DbTx } from '@callplane/db';
import type { Logger } from '@callplane/service-kit';

const RANK: Record<CallState, number> = { initiating: 0, ringing: 1, in_progress: 2, completed: 3, failed: 3, no_answer: 3, busy: 3, canceled: 3 };

/** Whether a lifecycle event may replace the state we hold: late or out-of-order events never move a call backwards. */
export function advances(current: CallState, next: CallState): boolean {
  if (TERMINAL_CALL_STATES.includes(current)) return false;
  return RANK[next] >= RANK[current];
}

/** Builds the session read model from `call.lifecycle` events. Runs inside the dedupe transaction. */
export async function applyLifecycleEvent(tx: DbTx, event: EventEnvelope, log: Logger): Promise<void> {
  const parsed = callLifecycleDataSchema.safeParse(event.data);
  if (!parsed.success) {
    log.warn({ event_id: event.id, type: event.type }, 'call.lifecycle event with an unexpected shape: skipped');
    return;
  }
  const d = parsed.data;
  const occurredAt = new Date(event.occurred_at);
  const fields = {
    tenantId: event.tenant_id,
    agentId: d.agent_id,
    direction: d.direction,
    callType: d.call_type,
    fromNumber: d.from_number,
    toNumber: d.to_number,
    provider: d.provider,
    status: d.state,
    endReason: d.end_reason,
    startedAt: new Date(d.started_at),
    answeredAt: d.answered_at ? new Date(d.answered_at) : null,
    endedAt: d.ended_at ? new Date(d.ended_at) : null,
    durationSeconds: d.answered_at && d.ended_at ? Math.max(0, Math.round((Date.parse(d.ended_at) - Date.parse(d.answered_at)) / 1000)) : d.ended_at ? 0 : null,
    lastEventAt: occurredAt,
  };
  const current = await tx.sessionView.findUnique({ where: { id: d.session_id }, select: { status: true, tenantId: true } });
  if (!current) {
    await tx.sessionView.create({ data: { id: d.session_id, ...fields } });
    return;
  }
  if (current.tenantId !== event.tenant_id) {
    log.error({ event_id: event.id, session_id: d.session_id }, 'lifecycle event names another tenant than its session: skipped');
    return;
  }
  if (!advances(current.status as CallState, d.state)) {
    log.debug({ event_id: event.id, from: current.status, to: d.state }, 'stale lifecycle event ignored');
    return;
  }
  await tx.sessionView.update({ where: { id: d.session_id }, data: fields });
}

import { isTerminalState, nextCallState, type CallLifecycleData, type CallState, type EventEnvelope } from '@callplane/contracts';
import type { DbTx, OutboundCall } from '@callplane/db';
import type { DialerDeps } from './deps';

/** Row states a call can still be in when its call ends (`canceled`/`failed` rows are left as they are). */
const LIVE_ROW_STATES = ['dispatching', 'dispatched'];

/**
 * Runs for every `call.lifecycle` event of an outbound call, in the consumer's deduplicated transaction: keeps
 * the dialer's record of the call (`call_state` and its times; `state: ended` once the call ends) in step.
 *
 * Events are at least once and may arrive out of order, so the row only moves forward, through the same state
 * machine as the session (`nextCallState`), under a row lock: a duplicate, late or backward event changes nothing.
 * Returns the row as updated when the event moved it (so the steps after it act once per transition), else nothing.
 */
export async function recordCallProgress(_deps: DialerDeps, event: EventEnvelope<CallLifecycleData>, tx: DbTx): Promise<OutboundCall | undefined> {
  const data = event.data;
  const rows = await tx.$queryRaw<Array<{ id: string }>>`SELECT id FROM outbound_calls WHERE id = ${data.session_id} FOR UPDATE`;
  if (!rows.length) return undefined; // not one of the dialer's calls
  const call = await tx.outboundCall.findUniqueOrThrow({ where: { id: data.session_id } });
  const current = call.callState as CallState | null;
  const next = current ? nextCallState(current, data.state) : data.state;
  if (!next) return undefined;

  const at = new Date(event.occurred_at);
  const date = (iso: string | null) => (iso ? new Date(iso) : null);
  const terminal = isTerminalState(next);
  return tx.outboundCall.update({
    where: { id: call.id },
    data: {
      callState: next,
      ringingAt: call.ringingAt ?? (next === 'ringing' ? at : null),
      answeredAt: call.answeredAt ?? date(data.answered_at) ?? (next === 'in_progress' ? at : null),
      endedAt: terminal ? (call.endedAt ?? date(data.ended_at) ?? at) : call.endedAt,
      ...(terminal && LIVE_ROW_STATES.includes(call.state) ? { state: 'ended' } : {}),
    },
  });
}

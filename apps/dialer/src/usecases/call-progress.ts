import { isTerminalState, nextCallState, type CallLifecycleData, type CallState, type EventEnvelope } from '@callplane/contracts';
import { sqlIn, type DbTx, type OutboundCall, type SqlTx } from '@callplane/db';
import { lockOutboundCalls, writeCallProgress } from './call-progress.sql';
import type { DialerDeps } from './deps';

/** Row states a call can still be in when its call ends (`canceled`/`failed` rows are left as they are). */
const LIVE_ROW_STATES = ['dispatching', 'dispatched'];

/**
 * Runs for a batch of `call.lifecycle` events, in the consumer's deduplicated transaction: keeps the dialer's record
 * of each outbound call (`call_state` and its times; `state: ended` once the call ends) in step.
 *
 * Events are at least once and may arrive out of order, so a row only moves forward, through the same state machine
 * as the session (`nextCallState`), under a row lock: a duplicate, late or backward event changes nothing. The batch's
 * rows are locked and read together, its events applied to them in delivery order, and the rows it moved written in
 * one statement (`locked`: the batch's rows, when the caller has locked and read them already). Returns those rows
 * as written (so the steps after it act once per transition).
 */
export async function recordCallProgress(
  _deps: DialerDeps,
  events: readonly EventEnvelope<CallLifecycleData>[],
  tx: DbTx | SqlTx,
  locked?: ReadonlyMap<string, OutboundCall>,
): Promise<OutboundCall[]> {
  const calls = locked ?? (await lockOutboundCalls(sqlIn(tx), events.map((e) => e.data.session_id)));
  if (calls.size === 0) return []; // none of the dialer's calls
  const moved = new Map<string, OutboundCall>();
  for (const event of events) {
    const call = moved.get(event.data.session_id) ?? calls.get(event.data.session_id);
    const next = call && advanceCall(call, event);
    if (next) moved.set(next.id, next);
  }
  const rows = [...moved.values()].map((row) => ({ ...row, updatedAt: new Date() }));
  if (rows.length === 0) return [];
  // One statement for the batch (a row per call it moved), in place of an update per call.
  await writeCallProgress(sqlIn(tx), rows);
  return rows;
}

/** The dialer's row with one event applied, or null when the event does not move the call forward. */
export function advanceCall(call: OutboundCall, event: EventEnvelope<CallLifecycleData>): OutboundCall | null {
  const data = event.data;
  const current = call.callState as CallState | null;
  const next = current ? nextCallState(current, data.state) : data.state;
  if (!next) return null;
  const at = new Date(event.occurred_at);
  const date = (iso: string | null) => (iso ? new Date(iso) : null);
  const terminal = isTerminalState(next);
  return {
    ...call,
    callState: next,
    ringingAt: call.ringingAt ?? (next === 'ringing' ? at : null),
    answeredAt: call.answeredAt ?? date(data.answered_at) ?? (next === 'in_progress' ? at : null),
    endedAt: terminal ? (call.endedAt ?? date(data.ended_at) ?? at) : call.endedAt,
    state: terminal && LIVE_ROW_STATES.includes(call.state) ? 'ended' : call.state,
  };
}

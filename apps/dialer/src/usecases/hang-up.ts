import { SANDBOX_HANGUP_REQUESTED_EVENT_TYPE, TOPICS } from '@callplane/contracts';
import type { DbTx, OutboundCall, SqlTx } from '@callplane/db';
import { enqueueEventsIn } from '@callplane/events';
import { CALL_ROOM_PREFIX } from '@callplane/livekit';
import type { DialerDeps } from './deps';

/**
 * Hangs up a placed call on the media plane it runs on: with LiveKit, deleting its room ends the SIP leg and the
 * agent; without, the sandbox carrier is asked to hang up (a command on `dialer.commands`, written in `tx` when the
 * caller holds one, so it leaves with the caller's own changes). A LiveKit failure is thrown for the caller to answer.
 */
export async function hangUp(deps: DialerDeps, call: Pick<OutboundCall, 'id' | 'tenantId' | 'roomName'>, tx?: DbTx | SqlTx): Promise<void> {
  if (deps.livekit) {
    await deps.livekit.endCall(call.roomName ?? `${CALL_ROOM_PREFIX}${call.id}`);
    return;
  }
  // One statement: in the caller's transaction, or atomic on its own.
  await enqueueEventsIn(tx ?? deps.sql, [{ topic: TOPICS.dialerCommands, type: SANDBOX_HANGUP_REQUESTED_EVENT_TYPE, tenantId: call.tenantId, key: call.id, data: { session_id: call.id } }]);
  deps.outbox.notify();
}

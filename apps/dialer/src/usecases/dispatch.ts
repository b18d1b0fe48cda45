import { openOutboundSession, openOutboundSessionIf } from '@callplane/calls';
import { SANDBOX_CALL_REQUESTED_EVENT_TYPE, TOPICS, type CallType } from '@callplane/contracts';
import { backoffDelay } from '@callplane/events';
import { CALL_ROOM_PREFIX, CallNotConnected, LiveKitError } from '@callplane/livekit';
import type { DialerDeps } from './deps';
import { planFrom } from './dial-plan';
import { recordDispatchError } from './dispatch-error';
import { dispatchedGuard, markDispatched, readCallToDispatch } from './dispatch.sql';

/**
 * `dispatch_outbound_call`, the one path every outbound call takes (dial API, scheduled calls, studio test calls,
 * campaigns). The call's row must be in state `dispatching` (its claimer set it). In order:
 *   1. open the call session and its `call.initiating` event, and mark the row `dispatched`, atomically: one
 *      statement (one transaction when the plan failed: its error is recorded with them); the session exists before
 *      LiveKit can report anything about the call;
 *   2. create the room and dispatch the `voice-agent` with the session metadata (a snapshot of the agent's config
 *      and the context variables);
 *   3. dial the callee on the from-number's LiveKit outbound trunk, with a ringing timeout and the call's maximum
 *      duration, and wait for the answer;
 *   4. report the outcome through the call-state machine: answered → in_progress; SIP 486 → busy; 480/408/487 →
 *      no_answer; any other failure → failed (the room is deleted so nothing stays billable).
 * Later progress (hang-up, room closed) arrives through the gateway's LiveKit webhooks.
 *
 * Without LiveKit, a call to the sandbox carrier's reserved numbers (libs/contracts `sandbox.ts`) is handed to the
 * voice agent's sandbox media plane instead of steps 2–4: a `sandbox.call_requested` command on `dialer.commands`,
 * written with the session in step 1's transaction, carrying the same metadata; the voice agent reports the call's
 * progress through the call-state machine. Any other destination without LiveKit fails (`livekit_not_configured`).
 */
export async function dispatchOutboundCall(deps: DialerDeps, callId: string): Promise<void> {
  // The call and everything its plan reads, in one statement.
  const read = await readCallToDispatch(deps.sql, callId);
  if (!read) throw new Error(`outbound call ${callId} does not exist`);
  const { call } = read;
  if (call.state !== 'dispatching') return; // cancelled, or another worker took it
  const plan = planFrom(deps, call, read.facts);
  const roomName = `${CALL_ROOM_PREFIX}${call.id}`;
  const at = deps.now();
  const session = {
    id: call.id,
    tenantId: call.tenantId,
    agentId: call.agentId,
    phoneNumberId: call.fromPhoneId,
    callType: call.callType as CallType,
    fromNumber: call.fromNumber,
    toNumber: call.toNumber,
    provider: plan.provider,
    roomName,
    campaignId: call.campaignId,
    maxDurationSeconds: plan.ok ? plan.metadata.max_duration_seconds : null,
    at,
  };
  // Conditional on the row still being `dispatching` (`dispatchedGuard`): a second dispatch of the same row (a stale
  // claim taken over by another replica) stops here instead of failing on the session's primary key.
  let opened: boolean;
  if (plan.ok) {
    // One statement, atomic by itself: the row's step, the session, its event, and the sandbox's command when the
    // sandbox carrier places the call (the voice agent places it once the session exists).
    const command = { topic: TOPICS.dialerCommands, type: SANDBOX_CALL_REQUESTED_EVENT_TYPE, tenantId: call.tenantId, key: call.id, data: plan.metadata };
    opened = (await openOutboundSessionIf(deps.sql, dispatchedGuard(call.id, roomName, at), session, plan.route.kind === 'sandbox' ? [command] : [])) !== null;
  } else {
    opened = await deps.sql.transaction(async (tx) => {
      if (!(await markDispatched(tx, call.id, roomName, at))) return false;
      await recordDispatchError(tx, call.id, plan.error, at);
      await openOutboundSession(tx, session);
      return true;
    });
  }
  if (!opened) return;
  deps.outbox.notify();
  if (!plan.ok) {
    await deps.transitions.report({ call: { sessionId: call.id }, state: 'failed', at, endReason: plan.error });
    return;
  }
  if (plan.route.kind === 'sandbox') return; // the voice agent's sandbox media plane takes it from here

  const { livekit, trunkId } = plan.route;
  try {
    await livekit.prepareRoom({ roomName, metadata: plan.metadata as unknown as Record<string, unknown>, maxCallDurationSeconds: plan.metadata.max_duration_seconds });
    await livekit.dial({
      sessionId: call.id,
      roomName,
      metadata: plan.metadata as unknown as Record<string, unknown>,
      trunkId,
      to: call.toNumber,
      from: call.fromNumber,
      ringingTimeoutSeconds: deps.settings.ringingTimeoutSeconds,
      maxCallDurationSeconds: plan.metadata.max_duration_seconds,
    });
    await deps.transitions.report({ call: { sessionId: call.id }, state: 'in_progress', at: deps.now(), roomName });
  } catch (err) {
    const notConnected = err instanceof CallNotConnected;
    const reason = notConnected ? err.state : 'dispatch_failed';
    deps.logger.info({ session_id: call.id, err: err instanceof Error ? err.message : String(err) }, notConnected ? 'outbound call not connected' : 'outbound call dispatch failed');
    // Only when nothing set a reason first (the studio watchdog's dispatch_timeout wins over the hung dial's error).
    if (!notConnected) await deps.sql.transaction((tx) => recordDispatchError(tx, call.id, err instanceof LiveKitError ? err.message : 'dispatch_failed', deps.now()));
    await deps.transitions.report({
      call: { sessionId: call.id },
      state: notConnected ? err.state : 'failed',
      at: deps.now(),
      sipStatus: notConnected ? (err.sipStatus ?? null) : null,
      endReason: reason,
    });
    await livekit.endCall(roomName).catch((e: unknown) => deps.logger.warn({ session_id: call.id, err: e instanceof Error ? e.message : String(e) }, 'could not delete the room of a call that did not connect'));
  }
}

/** A failed dispatch is tried again this often, a few seconds in all, before the scheduler's stale reclaim is left to place it. */
const DISPATCH_RETRY = { attempts: 6, baseMs: 200, maxMs: 3_000 };

/**
 * `dispatchOutboundCall`, tried again when it fails (a dropped database connection, a failover): an accepted call would
 * otherwise wait for the scheduler's stale reclaim, a minute later, for its session. Safe to repeat: a dispatch that got
 * as far as opening the session moved the row to `dispatched`, and a repeat stops there. Rejects once out of tries.
 */
export async function dispatchRetrying(deps: DialerDeps, callId: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await dispatchOutboundCall(deps, callId);
    } catch (err) {
      if (attempt >= DISPATCH_RETRY.attempts) throw err;
      deps.logger.warn({ session_id: callId, err, attempt }, 'outbound dispatch failed; trying again');
      await new Promise((resolve) => setTimeout(resolve, backoffDelay(attempt - 1, DISPATCH_RETRY)));
    }
  }
}

/**
 * Runs a dispatch in the background (the API answers 202 at once), tracked so a drain waits for it; after `delayMs`
 * when given (a campaign call's pace slot), the wait inside the same tracked promise.
 */
export function startDispatch(deps: DialerDeps, callId: string, delayMs = 0): void {
  const started = delayMs > 0 ? new Promise<void>((resolve) => setTimeout(resolve, delayMs)).then(() => dispatchRetrying(deps, callId)) : dispatchRetrying(deps, callId);
  const p = started
    .catch((err: unknown) => deps.logger.error({ session_id: callId, err }, 'outbound dispatch crashed'))
    .finally(() => deps.inflight.delete(p));
  deps.inflight.add(p);
}

import { openOutboundSession } from '@callplane/calls';
import { isSandboxNumber, SANDBOX_CALL_REQUESTED_EVENT_TYPE, TOPICS, type CallType, type OutboundCallMetadata, type Provider, type VoiceConfig } from '@callplane/contracts';
import type { OutboundCall } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { CALL_ROOM_PREFIX, CallNotConnected, LiveKitError } from '@callplane/livekit';
import type { DialerDeps } from './deps';

const DEFAULT_MAX_DURATION = 600;

/**
 * `dispatch_outbound_call`, the one path every outbound call takes (dial API, scheduled calls, studio test calls,
 * campaigns). The call's row must be in state `dispatching` (its claimer set it). In order:
 *   1. open the call session and its `call.initiating` event, and mark the row `dispatched`, in one transaction
 *      (the session exists before LiveKit can report anything about the call);
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
  const { prisma } = deps;
  const call = await prisma.outboundCall.findUniqueOrThrow({ where: { id: callId } });
  if (call.state !== 'dispatching') return; // cancelled, or another worker took it
  const plan = await planCall(deps, call);
  const roomName = `${CALL_ROOM_PREFIX}${call.id}`;
  const at = deps.now();
  const opened = await prisma.$transaction(async (tx) => {
    // Conditional on the row still being `dispatching`: a second dispatch of the same row (a stale claim taken
    // over by another replica) stops here instead of failing on the session's primary key.
    const { count } = await tx.outboundCall.updateMany({
      where: { id: call.id, state: 'dispatching' },
      data: { state: 'dispatched', roomName, dispatchedAt: at, error: plan.ok ? null : plan.error },
    });
    if (count === 0) return false;
    await openOutboundSession(tx, {
      id: call.id,
      tenantId: call.tenantId,
      agentId: call.agentId,
      phoneNumberId: call.fromPhoneId,
      callType: call.callType as CallType,
      fromNumber: call.fromNumber,
      toNumber: call.toNumber,
      provider: plan.provider,
      roomName,
      at,
    });
    if (plan.ok && plan.media.kind === 'sandbox') {
      await enqueueEvent(tx, { topic: TOPICS.dialerCommands, type: SANDBOX_CALL_REQUESTED_EVENT_TYPE, tenantId: call.tenantId, key: call.id, data: plan.metadata });
    }
    return true;
  });
  if (!opened) return;
  deps.outbox.notify();
  if (!plan.ok) {
    await deps.transitions.report({ call: { sessionId: call.id }, state: 'failed', at, endReason: plan.error });
    return;
  }
  if (plan.media.kind === 'sandbox') return; // the voice agent's sandbox media plane takes it from here

  const { livekit, trunkId } = plan.media;
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
    if (!notConnected) await prisma.outboundCall.updateMany({ where: { id: call.id, error: null }, data: { error: err instanceof LiveKitError ? err.message.slice(0, 500) : 'dispatch_failed' } });
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

/** Runs a dispatch in the background (the API answers 202 at once), tracked so a drain waits for it. */
export function startDispatch(deps: DialerDeps, callId: string): void {
  const p = dispatchOutboundCall(deps, callId)
    .catch((err: unknown) => deps.logger.error({ session_id: callId, err }, 'outbound dispatch crashed'))
    .finally(() => deps.inflight.delete(p));
  deps.inflight.add(p);
}

/** Where the call's media runs: LiveKit (a room and a SIP participant on the number's trunk), or the sandbox carrier. */
type CallMedia = { kind: 'livekit'; livekit: NonNullable<DialerDeps['livekit']>; trunkId: string } | { kind: 'sandbox' };

type CallPlan = { ok: true; provider: Provider; media: CallMedia; metadata: OutboundCallMetadata } | { ok: false; provider: Provider; error: string };

/** What the call needs, read now (a snapshot: later agent edits do not change a call in flight). */
async function planCall(deps: DialerDeps, call: OutboundCall): Promise<CallPlan> {
  const { prisma } = deps;
  let provider: Provider = 'sip';
  let trunkId: string | null | undefined;
  if (call.trialNumberId) {
    const trial = await prisma.trialNumber.findUnique({ where: { id: call.trialNumberId } });
    provider = (trial?.provider as Provider | undefined) ?? 'sip';
    trunkId = trial?.livekitOutboundTrunkId;
  } else if (call.fromPhoneId) {
    const phone = await prisma.phoneNumber.findUnique({ where: { id: call.fromPhoneId } });
    provider = (phone?.provider as Provider | undefined) ?? 'sip';
    // Checked again here: a scheduled or campaign call fires after its number may have lost outbound calling.
    if (phone && (!phone.outboundEnabled || phone.state !== 'active')) return { ok: false, provider, error: 'from_number_not_outbound' };
    const steps = (phone?.importSteps ?? []) as Array<{ name: string; output: Record<string, string> }>;
    trunkId = steps.find((s) => s.name === 'livekit.outbound')?.output.trunk_id;
  }
  let media: CallMedia;
  if (deps.livekit) {
    if (!trunkId) return { ok: false, provider, error: 'no_outbound_trunk' };
    media = { kind: 'livekit', livekit: deps.livekit, trunkId };
  } else if (isSandboxNumber(call.toNumber)) {
    media = { kind: 'sandbox' };
  } else {
    return { ok: false, provider, error: 'livekit_not_configured' };
  }
  const agent = await prisma.agent.findUnique({ where: { id: call.agentId } });
  if (!agent) return { ok: false, provider, error: 'agent_not_found' };
  const voice = agent.voice as unknown as VoiceConfig;
  const maxDuration = call.callType === 'studio_test' ? deps.settings.testCallMaxSeconds : (voice.max_duration ?? DEFAULT_MAX_DURATION);
  return {
    ok: true,
    provider,
    media,
    metadata: {
      session_id: call.id,
      tenant_id: call.tenantId,
      direction: 'outbound',
      call_type: call.callType as CallType,
      from_number: call.fromNumber,
      to_number: call.toNumber,
      max_duration_seconds: maxDuration,
      agent: { id: agent.id, name: agent.name, system_prompt: agent.systemPrompt, voice },
      context: (call.context ?? {}) as Record<string, string>,
    },
  };
}

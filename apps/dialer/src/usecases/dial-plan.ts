import { isSandboxNumber, SANDBOX_NUMBERS, type CallType, type OutboundCallMetadata, type Provider, type VoiceConfig } from '@callplane/contracts';
import type { OutboundCall } from '@callplane/db';
import { AppError } from '@callplane/service-kit';
import type { DialerDeps } from './deps';
import { readDialFacts, type DialFacts } from './dispatch.sql';

const DEFAULT_MAX_DURATION = 600;

/**
 * Which media plane can place a call to `to`: LiveKit when it is configured; without it the sandbox carrier, for its
 * own numbers only (libs/contracts `sandbox.ts`); null when nothing can (a real number with no LiveKit).
 */
export function mediaPlaneFor(deps: Pick<DialerDeps, 'livekit'>, to: string): 'livekit' | 'sandbox' | null {
  if (deps.livekit) return 'livekit';
  return isSandboxNumber(to) ? 'sandbox' : null;
}

/**
 * Refuses at once a call no media plane can place (`409 livekit_not_configured`), rather than accepting it to fail a
 * moment later: the dial API (now or scheduled), studio test calls, a campaign's launch.
 */
export function refuseUnplaceable(deps: Pick<DialerDeps, 'livekit'>, to: string | string[]): void {
  const real = (Array.isArray(to) ? to : [to]).find((n) => !mediaPlaneFor(deps, n));
  if (real === undefined) return;
  throw new AppError(
    'livekit_not_configured',
    `${real} is a real phone number, and calling real numbers needs LiveKit: the operator must set LIVEKIT_URL (with LIVEKIT_API_KEY and LIVEKIT_API_SECRET), or dial a sandbox number such as ${SANDBOX_NUMBERS.answers}.`,
    { details: { to_number: real } },
  );
}

/** Where the call's media runs: LiveKit (a room and a SIP participant on the number's trunk), or the sandbox carrier. */
export type DialRoute = { kind: 'livekit'; livekit: NonNullable<DialerDeps['livekit']>; trunkId: string } | { kind: 'sandbox' };

/**
 * What `dispatchOutboundCall` acts on: the route and the agent's dispatch metadata, or the reason the call cannot be
 * placed (recorded as the call's error and its session's end reason).
 */
export type DialPlan = { ok: true; provider: Provider; route: DialRoute; metadata: OutboundCallMetadata } | { ok: false; provider: Provider; error: string };

/** What the call needs, read now from its number and agent (a snapshot: later agent edits do not change a call in flight). */
export async function planDial(deps: DialerDeps, call: OutboundCall): Promise<DialPlan> {
  return planFrom(deps, call, await readDialFacts(deps.sql, call));
}

/** The plan from facts read with the call (`readCallToDispatch`: the dispatch reads both in one statement). */
export function planFrom(deps: Pick<DialerDeps, 'livekit' | 'settings'>, call: OutboundCall, facts: DialFacts): DialPlan {
  let provider: Provider = 'sip';
  let trunkId: string | null | undefined;
  if (call.trialNumberId) {
    provider = (facts.trial?.provider as Provider | undefined) ?? 'sip';
    trunkId = facts.trial?.trunkId;
  } else if (call.fromPhoneId) {
    const phone = facts.phone;
    provider = (phone?.provider as Provider | undefined) ?? 'sip';
    // Checked again here: a scheduled or campaign call fires after its number may have lost outbound calling.
    if (phone && (!phone.outboundEnabled || phone.state !== 'active')) return { ok: false, provider, error: 'from_number_not_outbound' };
    const steps = (phone?.importSteps ?? []) as Array<{ name: string; output: Record<string, string> }>;
    trunkId = steps.find((s) => s.name === 'livekit.outbound')?.output.trunk_id;
  }
  // Checked when the call is placed, whatever admitted it: a scheduled call fires hours after it was accepted, and
  // the number may have been listed since. The call then fails with end reason do_not_call and nothing is dialed.
  if (facts.doNotCall) return { ok: false, provider, error: 'do_not_call' };
  let route: DialRoute;
  const plane = mediaPlaneFor(deps, call.toNumber);
  if (plane === 'livekit' && deps.livekit) {
    if (!trunkId) return { ok: false, provider, error: 'no_outbound_trunk' };
    route = { kind: 'livekit', livekit: deps.livekit, trunkId };
  } else if (plane === 'sandbox') {
    route = { kind: 'sandbox' };
  } else {
    // Refused when the call was requested; a call admitted before LiveKit was unset (a scheduled one) ends here.
    return { ok: false, provider, error: 'livekit_not_configured' };
  }
  const agent = facts.agent;
  if (!agent) return { ok: false, provider, error: 'agent_not_found' };
  const voice = agent.voice as VoiceConfig;
  const maxDuration = call.callType === 'studio_test' ? deps.settings.testCallMaxSeconds : (voice.max_duration ?? DEFAULT_MAX_DURATION);
  return {
    ok: true,
    provider,
    route,
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

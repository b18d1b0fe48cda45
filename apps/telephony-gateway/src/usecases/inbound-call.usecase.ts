import type { Provider } from '@callplane/contracts';
import { END_REASONS, isOpen } from '@callplane/calls';
import type { CallSession } from '@callplane/db';
import { livekitSipUri, SESSION_HEADER } from '@callplane/livekit';
import type { CarrierWebhooks } from '@callplane/providers';
import { AppError, type Logger } from '@callplane/service-kit';
import type { GatewayDeps } from './deps';
import type { RoutedNumber } from './number-routing.cache';
import { valid, verifySignature, webhookNumber, type CarrierWebhookCall } from './webhook-steps';

export const UNASSIGNED_MESSAGE = 'Sorry, this number is not taking calls right now. Please try again later. Goodbye.';

/** What a caller hears when the carrier cannot confirm the call: nothing is opened, and the carrier hangs up. */
export const UNCONFIRMED_CALL_MESSAGE = "Sorry, we can't take your call right now. Please try again in a few minutes. Goodbye.";

/**
 * A carrier's voice webhook for a call to one of our numbers, whatever the carrier (STYLE.md #7): resolve the number →
 * verify the signature → validate → confirm the call with the carrier, for carriers that sign nothing → agent and
 * tenant → opening hours → open the session → answer. Each step either continues or answers with the right refusal.
 * Returns the answer in the carrier's markup (`webhooks.contentType`).
 */
export async function handleInboundCall(deps: GatewayDeps, webhooks: CarrierWebhooks, req: CarrierWebhookCall): Promise<string> {
  const phone = await webhookNumber(deps, webhooks, req.phoneId);
  verifySignature(webhooks, phone, req.request);
  // Validated before a confirmation, which needs the call id: a refusal here writes nothing and asks the carrier nothing.
  const call = valid(webhooks.parseInbound(phone, req.request.params));
  // Built only when written to: a child logger costs redaction work on every webhook otherwise.
  const log = () => deps.logger.child({ tenant_id: phone.tenantId, phone_id: phone.id, provider_call_id: call.providerCallId });
  const logging = deps.logger.isLevelEnabled('info');

  let fromNumber = call.from;
  if (webhooks.confirmCall) {
    const confirmation = await webhooks.confirmCall(phone, call.providerCallId);
    if (confirmation.kind === 'unavailable') {
      const { error } = confirmation;
      // Rejected credentials need the customer (re-import with a fresh key); an outage clears by itself.
      const level = error.code === 'invalid_credentials' ? 'error' : 'warn';
      log()[level]({ carrier: webhooks.format.name, err_code: error.code, provider_status: error.opts.providerStatus, reason: error.message }, 'inbound call: cannot confirm with the carrier, apology played');
      return webhooks.sayAndHangUp(UNCONFIRMED_CALL_MESSAGE);
    }
    if (confirmation.kind === 'refused') {
      log().warn({ carrier: webhooks.format.name, reason: confirmation.refusal.reason }, 'inbound request refused: not confirmed by the carrier');
      throw new AppError(confirmation.refusal.code, confirmation.refusal.message);
    }
    fromNumber = confirmation.from ?? call.from;
  }

  const outcome = await answerInboundCall(deps, phone, { fromNumber, toNumber: call.to, provider: phone.provider as Provider, providerCallId: call.providerCallId }, { log, logging });
  if (outcome.kind === 'say_and_hang_up') return webhooks.sayAndHangUp(outcome.message);
  const sipUri = livekitSipUri(phone.number, deps.livekitSipHost, { headers: { [SESSION_HEADER]: outcome.session.id } });
  return webhooks.connect(sipUri, { sipAuth: phone.sipAuth, statusCallbackUrl: req.statusCallbackUrl });
}

/** What the caller gets, whatever the carrier's markup: a polite refusal, the after-hours message, or the agent. */
type InboundOutcome = { kind: 'say_and_hang_up'; message: string } | { kind: 'connect'; session: CallSession };

/** Agent and tenant → opening hours → open the session (a carrier's retry gets the stored one back) → connect or refuse. */
async function answerInboundCall(
  deps: GatewayDeps,
  phone: RoutedNumber,
  call: { fromNumber: string; toNumber: string; provider: Provider; providerCallId: string },
  logs: { log: () => Logger; logging: boolean },
): Promise<InboundOutcome> {
  if (!phone.agent || !phone.enabled) {
    if (logs.logging) logs.log().info({ reason: phone.agent ? 'disabled' : 'unassigned' }, 'inbound call refused');
    return { kind: 'say_and_hang_up', message: UNASSIGNED_MESSAGE };
  }
  const base = { tenantId: phone.tenantId, agentId: phone.agent.id, phoneNumberId: phone.id, direction: 'inbound' as const, callType: 'production' as const, ...call };
  const afterHours = phone.agent.afterHours;
  const open = isOpen(afterHours, deps.now());
  const { session, created } = await deps.sessions.open(open ? { ...base, state: 'initiating' } : { ...base, state: 'completed', endReason: END_REASONS.afterHours });
  // A carrier's retry is answered as the first delivery was, whatever the clock says now: the stored session decides.
  const closed = session.status === 'completed' && session.endReason === END_REASONS.afterHours;
  if (logs.logging) logs.log().info({ session_id: session.id, duplicate: !created, after_hours: closed }, `inbound call: ${created ? 'session opened' : 'provider retry'}`);
  if (closed) return { kind: 'say_and_hang_up', message: afterHours?.message ?? UNASSIGNED_MESSAGE };
  return { kind: 'connect', session };
}

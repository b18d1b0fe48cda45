import { parseTwilioStatusParams, verifyTwilioSignature } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import type { ReportOutcome } from '@callplane/calls';
import type { GatewayDeps } from './deps';
import type { TwilioInboundRequest } from './twilio-inbound.usecase';

/** Until this end reason is known better (LiveKit's webhooks say who hung up), a completed call just completed. */
const END_REASON: Record<string, string> = { completed: 'completed', busy: 'busy', no_answer: 'no_answer', failed: 'failed', canceled: 'canceled' };

/**
 * `POST /twilio/status/{phone_id}`: Twilio's status callback for a call on this number, signed like the voice
 * webhook. The report goes through the call-state machine, so retries and late callbacks change nothing. A
 * callback for a call we never opened is accepted and ignored (Twilio would otherwise retry it).
 */
export async function handleTwilioStatus(deps: GatewayDeps, req: TwilioInboundRequest): Promise<ReportOutcome['kind']> {
  const phone = await deps.numbers.get(req.phoneId);
  if (!phone || (phone.provider !== 'twilio' && phone.provider !== 'sip')) throw new AppError('not_found', 'No phone number with this id takes Twilio-format webhooks.');
  if (phone.signingKey && !verifyTwilioSignature({ authToken: phone.signingKey, signature: req.signature, url: req.publicUrl, params: req.params })) {
    throw new AppError('invalid_signature', "The X-Twilio-Signature header is missing or does not match this number's signing secret.");
  }
  const parsed = parseTwilioStatusParams(req.params);
  if (!parsed.ok) throw new AppError('validation_failed', 'The status callback is missing or has malformed Twilio parameters.', { details: parsed.issues });
  const r = parsed.report;
  const at = r.at ?? deps.now();
  const outcome = await deps.transitions.report({
    call: { phoneNumberId: phone.id, providerCallId: r.providerCallId },
    state: r.state,
    at,
    sipStatus: r.sipStatus ?? null,
    endReason: END_REASON[r.state] ?? null,
    answeredAt: r.state === 'completed' && r.durationSeconds ? new Date(at.getTime() - r.durationSeconds * 1000) : null,
  });
  if (outcome.kind === 'unknown_call') deps.logger.info({ phone_id: phone.id, provider_call_id: r.providerCallId }, 'status callback for an unknown call ignored');
  return outcome.kind;
}

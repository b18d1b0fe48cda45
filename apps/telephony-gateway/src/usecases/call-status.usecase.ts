import { findCallSession, type ReportOutcome } from '@callplane/calls';
import type { CarrierWebhooks } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import type { GatewayDeps } from './deps';
import { valid, verifySignature, webhookNumber, type CarrierWebhookCall } from './webhook-steps';

/**
 * A carrier's status callback for a call on one of our numbers, whatever the carrier: resolve the number → verify the
 * signature → validate → for carriers that sign nothing, the call must be a session on this number (else there is
 * nothing to do) and the carrier must confirm it, as it did the inbound request (usually remembered from it) → report
 * through the one call-state machine, so retries and late callbacks change nothing. A callback for a call we never
 * opened is accepted and ignored: the carrier would otherwise retry it.
 */
export async function handleCallStatus(deps: GatewayDeps, webhooks: CarrierWebhooks, req: CarrierWebhookCall): Promise<ReportOutcome['kind']> {
  const phone = await webhookNumber(deps, webhooks, req.phoneId);
  verifySignature(webhooks, phone, req.request);
  const report = valid(webhooks.parseStatus(req.request.params));
  const call = { phoneNumberId: phone.id, providerCallId: report.providerCallId };
  const log = () => deps.logger.child({ tenant_id: phone.tenantId, phone_id: phone.id, provider_call_id: report.providerCallId, carrier: webhooks.format.name });

  if (webhooks.confirmCall) {
    // Checked before asking the carrier: a call id we never opened a session for costs no API call.
    if (!(await findCallSession(deps.prisma, call))) {
      log().info({ state: report.state }, 'status callback for a call with no session on this number: ignored');
      return 'unknown_call';
    }
    const confirmation = await webhooks.confirmCall(phone, report.providerCallId);
    if (confirmation.kind === 'unavailable') {
      log().warn({ err_code: confirmation.error.code, reason: confirmation.error.message }, 'status callback: cannot confirm with the carrier');
      // Not a 2xx: the carrier retries the callback, by which time its API may answer.
      throw new AppError('provider_unavailable', confirmation.message, { retryable: true });
    }
    if (confirmation.kind === 'refused') {
      log().warn({ reason: confirmation.refusal.reason }, 'status callback refused: not confirmed by the carrier');
      throw new AppError(confirmation.refusal.code, confirmation.refusal.message);
    }
  }

  const at = report.at ?? deps.now();
  // The end less the connected time: when the call was answered, kept only when nothing reported the answer itself.
  const answeredAt = report.state === 'completed' && report.durationSeconds ? new Date(at.getTime() - report.durationSeconds * 1000) : null;
  // No end reason: a carrier's status says no more than the state the call ends in (libs/calls `defaultEndReason`).
  const outcome = await deps.transitions.report({ call, state: report.state, at, sipStatus: report.sipStatus ?? null, answeredAt });
  if (outcome.kind === 'unknown_call') log().info('status callback for an unknown call ignored');
  return outcome.kind;
}

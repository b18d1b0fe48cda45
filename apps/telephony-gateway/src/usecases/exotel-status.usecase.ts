import { parseExotelStatusParams } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import { exotelNumberFor, type ExotelDeps } from './exotel-inbound.usecase';

export interface ExotelStatusDeps extends ExotelDeps {
  /** The session of this provider call on this number, if we opened one. */
  findSession(phoneNumberId: string, providerCallId: string): Promise<{ id: string } | null>;
}

export interface ExotelStatusRequest {
  phoneId: string;
  /** The StatusCallback's parameters, from a form or JSON body. */
  params: Record<string, string>;
}

/**
 * Exotel's StatusCallback for a call on one of our numbers: resolve number → validate → the call must be a session
 * on this number (else nothing to do: logged, answered 204 so Exotel stops retrying) → confirm with Exotel as the
 * inbound request was (usually remembered from it) → report through the one state machine. A retried or late
 * callback changes nothing there.
 */
export async function handleExotelStatus(deps: ExotelStatusDeps, req: ExotelStatusRequest): Promise<void> {
  const phone = await exotelNumberFor(deps, req.phoneId);
  const parsed = parseExotelStatusParams(req.params);
  if (!parsed.ok) throw new AppError('validation_failed', 'The request is not an Exotel status callback.', { details: parsed.issues });
  const { providerCallId, state, durationSeconds } = parsed.report;
  const log = deps.logger.child({ tenant_id: phone.tenantId, phone_id: phone.id, provider_call_id: providerCallId });

  // Checked before asking Exotel: a CallSid we never opened a session for costs no API call.
  const session = await deps.findSession(phone.id, providerCallId);
  if (!session) {
    log.info({ state }, 'Exotel status callback for a call with no session on this number: ignored');
    return;
  }

  const confirmation = await deps.exotelCalls.confirm(phone, providerCallId);
  if (confirmation.kind === 'unavailable') {
    log.warn({ err_code: confirmation.error.code, reason: confirmation.error.message }, 'Exotel status callback: cannot confirm with Exotel');
    // Not a 2xx: Exotel retries the callback (up to twice), by which time its API may answer.
    throw new AppError('provider_unavailable', "Exotel's API could not confirm this call. Retry later.", { retryable: true });
  }
  if (confirmation.kind === 'refused') {
    log.warn({ reason: confirmation.reason }, 'Exotel status callback refused: not confirmed by Exotel');
    throw new AppError('forbidden', confirmation.message);
  }

  // Exotel's DateUpdated has no time zone (*unconfirmed*: IST): the time we hear of it is the honest one.
  const at = deps.now();
  // *Unconfirmed*: DialCallDuration counts from dialling the second leg (LiveKit) to the end, so this is when
  // the call was answered only to within the ring time; it fills answered_at only when nothing else did.
  const answeredAt = state === 'completed' && durationSeconds ? new Date(at.getTime() - durationSeconds * 1000) : null;
  const outcome = await deps.transitions.report({ call: { phoneNumberId: phone.id, providerCallId }, state, at, answeredAt });
  log.info({ session_id: session.id, state, outcome: outcome.kind }, 'Exotel status callback');
}

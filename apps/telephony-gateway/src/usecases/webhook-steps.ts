import type { CarrierWebhookRequest, CarrierWebhooks, Parsed } from '@callplane/providers';
import { carrierOf } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import type { GatewayDeps } from './deps';
import type { RoutedNumber } from './number-routing.cache';

/** A carrier's webhook as the use cases take it: the number of its URL, the request, and where the carrier reports legs. */
export interface CarrierWebhookCall {
  phoneId: string;
  request: CarrierWebhookRequest;
  /** This number's status callback URL, for formats that are told where to report a forwarded leg. */
  statusCallbackUrl?: string;
}

/**
 * The first steps of every carrier webhook (STYLE.md #7), in order. The number of the URL must be one whose carrier
 * takes these webhooks, and one they can serve; else 404, as if it did not exist.
 */
export async function webhookNumber(deps: Pick<GatewayDeps, 'numbers'>, webhooks: CarrierWebhooks, phoneId: string): Promise<RoutedNumber> {
  const phone = await deps.numbers.get(phoneId);
  if (!phone || carrierOf(phone.provider)?.webhooks !== webhooks.format || !webhooks.serves(phone)) throw new AppError('not_found', webhooks.unknownNumberMessage);
  return phone;
}

/** A request that cannot be the carrier's is refused before anything is read from it: 403, not a parse error. */
export function verifySignature(webhooks: CarrierWebhooks, phone: RoutedNumber, request: CarrierWebhookRequest): void {
  const refusal = webhooks.verifySignature(phone, request);
  if (refusal) throw new AppError(refusal.code, refusal.message);
}

/** The parsed value, or 400 naming each bad parameter. */
export function valid<T>(parsed: Parsed<T>): T {
  if (!parsed.ok) throw new AppError('validation_failed', parsed.message, { details: parsed.issues });
  return parsed.value;
}

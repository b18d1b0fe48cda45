/** A number as `GET /v1/Account/{auth_id}/Number/[{number}/]` answers it (only the fields we read). */
export interface PlivoNumber {
  /** E.164 digits without '+'. */
  number: string;
  /** Full country name, in capitals as Plivo writes it: 'INDIA', 'UNITED STATES' (plivo-node's fixtures). */
  country?: string;
  /** 'local' | 'mobile' | 'tollfree' | … */
  number_type?: string;
  alias?: string | null;
  /** The Zentrunk inbound trunk the number is attached to (*unconfirmed* field, see FakePlivo). */
  app_id?: string | null;
}

/**
 * India's rule applies to local (geographic) numbers only; mobile and toll-free numbers can be re-bound. Once
 * Plivo binds an Indian local number to a Zentrunk trunk, it keeps the binding (PROVIDERS.md, the mission).
 */
export function isIndianLocal(n: Pick<PlivoNumber, 'country' | 'number_type'>, e164: string): boolean {
  // Plivo writes country names in capitals ('INDIA'); compared in any case, and the +91 prefix decides without one.
  const indian = e164.startsWith('+91') || /^(india|in)$/i.test(n.country?.trim() ?? '');
  return indian && n.number_type?.toLowerCase() === 'local';
}

/** An Indian local number Plivo already reports bound to a trunk: it cannot be attached to ours. */
export function isIndiaBound(n: PlivoNumber, e164: string): boolean {
  return isIndianLocal(n, e164) && !!n.app_id;
}

export const INDIA_BOUND_REASON =
  'This Indian local number is already bound to a SIP trunk on your Plivo account, and Plivo does not let it move to another trunk. ' +
  'Release it and re-purchase it, or ask Plivo support to clear the trunk binding, then import it again.';

/** The refusal of an Indian local number we bound before (`plivoCarrier.stickyBinding`): Plivo still holds it on our trunk. */
export const INDIA_REMEMBERED_REASON =
  'This Indian local number was bound to a Plivo Zentrunk trunk through Callplane before, and Plivo keeps that binding: ' +
  'release it and re-purchase it on Plivo, or ask Plivo support to clear the trunk binding, then import it again.';

/**
 * The Number-update bodies that attach a number to a Zentrunk inbound trunk and detach it. PROVIDERS.md cites
 * `{"app_id": "<inbound trunk_id>"}` from Plivo's current Zentrunk guide; an older page says
 * `{"object_type": "trunk", "object_id": …}`: *unconfirmed* which is current, so the choice lives only here.
 * Detaching with an empty `app_id` is *unconfirmed* too (FakePlivo accepts `""`, `null` and `"null"`).
 */
export const numberBinding = {
  attach: (inboundTrunkId: string): Record<string, unknown> => ({ app_id: inboundTrunkId }),
  detach: (): Record<string, unknown> => ({ app_id: '' }),
};

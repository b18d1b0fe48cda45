import type { ByokProviderName } from '@callplane/contracts';

/**
 * One interface for every carrier we import numbers from (STYLE.md #3): vendor words stop inside each
 * adapter folder. Import, inbound configuration and release join this interface with the import flows.
 */

/** Why a provider call failed, in API.md's codes (see "Provider errors on import"). */
export type ProviderErrorCode =
  | 'invalid_credentials'
  | 'plivo_subaccount_credentials'
  | 'plivo_zentrunk_required'
  | 'plivo_india_number_locked'
  | 'provider_rejected'
  | 'provider_unavailable';

/** A provider failure: our code, whether retrying can help, and the provider's own status when it sent one. */
export class ProviderError extends Error {
  constructor(
    readonly code: ProviderErrorCode,
    message: string,
    readonly opts: { retryable?: boolean; providerStatus?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'ProviderError';
  }
  get retryable(): boolean {
    return this.opts.retryable ?? this.code === 'provider_unavailable';
  }
}

/** A number on the customer's own account, as the import screen lists it. */
export interface AccountNumber {
  /** E.164, normalised from whatever form the provider lists it in. */
  number: string;
  /** The provider's id for the number (Twilio PN…, Exotel ExoPhone sid, …). */
  providerId: string;
  friendlyName: string;
  importable: boolean;
  /** Why not, when `importable` is false. */
  reason?: string;
}

export interface ProviderAdapter<Credentials> {
  readonly provider: ByokProviderName;
  /** Confirms the credentials open the account; throws ProviderError (`invalid_credentials`, …). */
  validateCredentials(credentials: Credentials): Promise<void>;
  /** Numbers on the account, importable or not (with the reason). */
  listNumbers(credentials: Credentials): Promise<AccountNumber[]>;
}

/** Every adapter's HTTP timeout: a provider slower than this is treated as unavailable. */
export const PROVIDER_TIMEOUT_MS = 10_000;

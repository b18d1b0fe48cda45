import { PROVIDER_TIMEOUT_MS, ProviderError } from '../provider-adapter';
import { PlivoClient, plivoErrorText } from './plivo.client';

/** BYOK credentials for Plivo (API.md "Phone numbers"): the main account's auth id and token. */
export interface PlivoCredentials {
  auth_id: string;
  auth_token: string;
}

export interface PlivoAdapterOptions {
  /** `PLIVO_API_BASE_URL` from the service's config; defaults to `https://api.plivo.com`. */
  apiBaseUrl?: string;
  /** Defaults to PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
}

/**
 * A client for the customer's account, refusing before any request what can never work: subaccount (`SA…`)
 * credentials and missing fields. Shared by the adapter (list, validate) and the importer.
 */
export function plivoClientFor(credentials: PlivoCredentials, opts: PlivoAdapterOptions = {}): PlivoClient {
  const apiBaseUrl = opts.apiBaseUrl ?? 'https://api.plivo.com';
  const timeoutMs = opts.timeoutMs ?? PROVIDER_TIMEOUT_MS;
  const authId = credentials.auth_id?.trim() ?? '';
  const authToken = credentials.auth_token ?? '';
  // Zentrunk and number binding live on the main account; a subaccount's numbers cannot be attached (API.md).
  if (/^SA/i.test(authId)) {
    throw new ProviderError(
      'plivo_subaccount_credentials',
      'These are Plivo subaccount credentials (auth ID starting "SA"); use the main account\'s auth ID (starting "MA") and its auth token',
    );
  }
  if (!authId || !authToken) {
    throw new ProviderError('invalid_credentials', 'Plivo credentials need both an auth ID and an auth token');
  }
  return new PlivoClient({ apiBaseUrl, timeoutMs, authId, authToken });
}

/** The credentials open the account and its plan includes Zentrunk, which importing needs. */
export async function checkPlivoAccount(client: PlivoClient): Promise<void> {
  const account = await client.get('');
  if (account.status >= 400) {
    throw new ProviderError('provider_rejected', `Plivo refused the account lookup: ${plivoErrorText(account)}`, { providerStatus: account.status });
  }
  // Listing trunks is the cheapest call that Zentrunk gates.
  const trunks = await client.get('Zentrunk/Trunk/', { limit: 1, offset: 0 });
  if (trunks.status === 403 || trunks.status === 404) {
    throw new ProviderError(
      'plivo_zentrunk_required',
      'Your Plivo plan does not include Zentrunk SIP trunking: upgrade the plan, or add the number as a bring-your-own SIP number instead',
      { providerStatus: trunks.status },
    );
  }
  if (trunks.status >= 400) {
    throw new ProviderError('provider_rejected', `Plivo refused the Zentrunk check: ${plivoErrorText(trunks)}`, { providerStatus: trunks.status });
  }
}

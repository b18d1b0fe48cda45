import { toE164 } from '@callplane/contracts';
import { PROVIDER_TIMEOUT_MS, ProviderError, type AccountNumber, type ProviderAdapter } from '../provider-adapter';
import { PlivoClient, plivoErrorText, type PlivoPage } from './plivo.client';

/** BYOK credentials for Plivo (API.md "Phone numbers"): the main account's auth id and token. */
export interface PlivoCredentials {
  auth_id: string;
  auth_token: string;
}

export interface PlivoAdapterOptions {
  /** Defaults to `PLIVO_API_BASE_URL`, then `https://api.plivo.com`. */
  apiBaseUrl?: string;
  /** Defaults to PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
}

/** A number as `GET /v1/Account/{auth_id}/Number/` lists it (only the fields we read). */
interface PlivoNumber {
  /** E.164 digits without '+'. */
  number: string;
  /** Full country name, e.g. 'India'. */
  country?: string;
  /** 'local' | 'mobile' | 'tollfree' | … */
  number_type?: string;
  alias?: string | null;
  /** The Zentrunk inbound trunk the number is attached to (*unconfirmed* field, see FakePlivo). */
  app_id?: string | null;
}

/** Plivo caps `limit` at 20 per page. */
const PAGE_LIMIT = 20;
/** 20 × 500 = 10 000 numbers: a bound against a provider whose `next` never ends. */
const MAX_PAGES = 500;

const INDIA_BOUND_REASON =
  'This Indian local number is already bound to a SIP trunk on your Plivo account, and Plivo does not let it move to another trunk. ' +
  'Release it and re-purchase it, or ask Plivo support to clear the trunk binding, then import it again.';

export function createPlivoAdapter(opts: PlivoAdapterOptions = {}): ProviderAdapter<PlivoCredentials> {
  const apiBaseUrl = opts.apiBaseUrl ?? process.env.PLIVO_API_BASE_URL ?? 'https://api.plivo.com';
  const timeoutMs = opts.timeoutMs ?? PROVIDER_TIMEOUT_MS;

  const clientFor = (credentials: PlivoCredentials): PlivoClient => {
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
  };

  return {
    provider: 'plivo',

    async validateCredentials(credentials) {
      const client = clientFor(credentials);
      const account = await client.get('');
      if (account.status >= 400) {
        throw new ProviderError('provider_rejected', `Plivo refused the account lookup: ${plivoErrorText(account)}`, { providerStatus: account.status });
      }
      // Importing needs Zentrunk (SIP trunking) on the plan; listing trunks is the cheapest call that it gates.
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
    },

    async listNumbers(credentials) {
      const client = clientFor(credentials);
      const numbers: AccountNumber[] = [];
      let offset = 0;
      for (let pageNo = 0; pageNo < MAX_PAGES; pageNo++) {
        const res = await client.get<PlivoPage<PlivoNumber>>('Number/', { limit: PAGE_LIMIT, offset });
        if (res.status >= 400) {
          throw new ProviderError('provider_rejected', `Plivo refused to list numbers: ${plivoErrorText(res)}`, { providerStatus: res.status });
        }
        const objects = res.data.objects ?? [];
        numbers.push(...objects.map(toAccountNumber));
        if (!res.data.meta?.next || objects.length === 0) break;
        offset += objects.length;
      }
      return numbers;
    },
  };
}

function toAccountNumber(n: PlivoNumber): AccountNumber {
  const e164 = toE164(n.number);
  const base = { number: e164 ?? `+${n.number}`, providerId: n.number, friendlyName: n.alias || e164 || n.number };
  if (!e164) return { ...base, importable: false, reason: 'Plivo lists this as a number that is not a valid phone number' };
  if (isIndianLocal(n, e164) && n.app_id) return { ...base, importable: false, reason: INDIA_BOUND_REASON };
  return { ...base, importable: true };
}

/** India's rule applies to local (geographic) numbers only; mobile and toll-free numbers can be re-bound. */
function isIndianLocal(n: PlivoNumber, e164: string): boolean {
  const indian = n.country ? n.country === 'India' || n.country === 'IN' : e164.startsWith('+91');
  return indian && n.number_type === 'local';
}

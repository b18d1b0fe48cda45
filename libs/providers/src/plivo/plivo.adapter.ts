import { toE164 } from '@callplane/contracts';
import { ProviderError, type AccountNumber, type ProviderAdapter } from '../provider-adapter';
import { checkPlivoAccount, plivoClientFor, type PlivoAdapterOptions, type PlivoCredentials } from './plivo-account';
import { plivoErrorText, type PlivoPage } from './plivo.client';
import { INDIA_BOUND_REASON, isIndiaBound, type PlivoNumber } from './plivo-number';

export type { PlivoAdapterOptions, PlivoCredentials } from './plivo-account';

/** Plivo caps `limit` at 20 per page. */
const PAGE_LIMIT = 20;
/** 20 × 500 = 10 000 numbers: a bound against a provider whose `next` never ends. */
const MAX_PAGES = 500;

export function createPlivoAdapter(opts: PlivoAdapterOptions = {}): ProviderAdapter<PlivoCredentials> {
  const clientFor = (credentials: PlivoCredentials) => plivoClientFor(credentials, opts);

  return {
    provider: 'plivo',

    async validateCredentials(credentials) {
      await checkPlivoAccount(clientFor(credentials));
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
  if (isIndiaBound(n, e164)) return { ...base, importable: false, reason: INDIA_BOUND_REASON };
  return { ...base, importable: true };
}

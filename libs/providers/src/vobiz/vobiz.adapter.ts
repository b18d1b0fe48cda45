import axios, { type AxiosInstance } from 'axios';
import { toE164 } from '@callplane/contracts';
import { PROVIDER_TIMEOUT_MS, ProviderError, type AccountNumber, type ProviderAdapter } from '../provider-adapter';
import { httpProviderError } from '../http-provider-error';

/**
 * Vobiz REST API credentials (PROVIDERS.md: base `https://api.vobiz.ai/api/v1/Account/{auth_id}/`, headers
 * `X-Auth-ID` / `X-Auth-Token`).
 *
 * API.md's BYOK import for Vobiz takes SIP trunk credentials `{sip_domain, username, password}` plus the number
 * instead. Those imports need no REST call: nothing here can check a SIP password, so they are validated at the
 * SIP layer (the trunk registers or the first call authenticates). This adapter serves customers who give REST
 * credentials, which let us list their numbers and check the credentials up front.
 */
export interface VobizCredentials {
  auth_id: string;
  auth_token: string;
}

export interface VobizAdapterOptions {
  /** `VOBIZ_API_BASE_URL`: replaces `https://api.vobiz.ai` (tests point it at FakeVobiz). */
  apiBaseUrl?: string;
  timeoutMs?: number;
}

const DEFAULT_BASE_URL = 'https://api.vobiz.ai';
const PAGE_SIZE = 100;
// A bound keeps a provider paging bug from looping us forever.
const MAX_PAGES = 50;

interface NumbersPage {
  meta?: { total?: unknown };
  objects?: Array<{ number?: unknown }>;
}

export function createVobizAdapter(opts: VobizAdapterOptions = {}): ProviderAdapter<VobizCredentials> {
  const http: AxiosInstance = axios.create({ timeout: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS });
  const base = (opts.apiBaseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');

  /** The account's DIDs, `GET …/numbers` paged Plivo-style with `limit`/`offset` and `{meta, objects}`. */
  const listAccountNumbers = async (c: VobizCredentials): Promise<NonNullable<NumbersPage['objects']>> => {
    requireFields(c);
    const url = `${base}/api/v1/Account/${encodeURIComponent(c.auth_id)}/numbers`;
    const headers = { 'X-Auth-ID': c.auth_id, 'X-Auth-Token': c.auth_token, accept: 'application/json' };
    const all: NonNullable<NumbersPage['objects']> = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const body: NumbersPage = await request(() => http.get<NumbersPage>(url, { headers, params: { limit: PAGE_SIZE, offset: all.length } }));
      if (!Array.isArray(body?.objects)) throw new ProviderError('provider_unavailable', 'Vobiz answered the number list without objects');
      all.push(...body.objects);
      const total = Number(body.meta?.total);
      if (body.objects.length === 0 || !Number.isFinite(total) || all.length >= total) break;
    }
    return all;
  };

  return {
    provider: 'vobiz',

    async validateCredentials(c) {
      await listAccountNumbers(c);
    },

    async listNumbers(c) {
      const rows = await listAccountNumbers(c);
      return rows.map((r): AccountNumber => {
        const raw = String(r.number ?? '');
        const number = vobizNumberToE164(raw);
        return number
          ? { number, providerId: number, friendlyName: raw, importable: true }
          : { number: raw, providerId: raw, friendlyName: raw, importable: false, reason: 'Vobiz lists this DID with a number that is not a valid phone number' };
      });
    },
  };
}

/**
 * Vobiz lists E.164 DIDs, but a Plivo-like API may drop the `+` (`919876543210`); a 0-prefixed or 10-digit
 * number is Indian national, Vobiz being an Indian carrier.
 */
function vobizNumberToE164(raw: string): string | null {
  const digits = raw.replace(/[\s-]/g, '');
  if (digits.startsWith('+')) return toE164(digits);
  if (/^0/.test(digits) || digits.length <= 10) return toE164(digits, 'IN');
  return toE164(`+${digits}`) ?? toE164(digits, 'IN');
}

function requireFields(c: VobizCredentials): void {
  for (const key of ['auth_id', 'auth_token'] as const) {
    if (typeof c?.[key] !== 'string' || !c[key].trim()) throw new ProviderError('invalid_credentials', `Vobiz credentials need ${key}`);
  }
}

async function request<T>(call: () => Promise<{ data: T }>): Promise<T> {
  try {
    return (await call()).data;
  } catch (err) {
    throw toProviderError(err);
  }
}

const toProviderError = (err: unknown): ProviderError =>
  httpProviderError('Vobiz', err, {
    credentials: 'the Auth ID and token',
    messageOf: (data) => {
      const m = (data as { error?: unknown } | undefined)?.error;
      return typeof m === 'string' ? m : undefined;
    },
  });

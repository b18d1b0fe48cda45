import axios, { type AxiosInstance } from 'axios';
import { toE164 } from '@callplane/contracts';
import { PROVIDER_TIMEOUT_MS, ProviderError, type AccountNumber, type ProviderAdapter } from '../provider-adapter';
import { httpProviderError } from '../http-provider-error';

/** API.md "Credentials per provider": what the customer pastes for an Exotel account. */
export interface ExotelCredentials {
  api_key: string;
  api_token: string;
  account_sid: string;
  /** Exotel's regional API host; `api.exotel.com` (Singapore) when absent. */
  subdomain?: string;
}

export interface ExotelAdapterOptions {
  /** `EXOTEL_API_BASE_URL`: replaces `https://{subdomain}` (tests point it at FakeExotel). */
  apiBaseUrl?: string;
  timeoutMs?: number;
}

// Only Exotel's own hosts: the subdomain is customer input and must not steer our requests anywhere else.
const SUBDOMAINS = ['api.exotel.com', 'api.in.exotel.com'];
const DEFAULT_SUBDOMAIN = 'api.exotel.com';
// Exotel pages the list 50 at a time; a bound keeps a provider bug from looping us forever.
const MAX_PAGES = 50;

interface ExophonePage {
  incoming_phone_numbers?: Array<{ sid?: unknown; phone_number?: unknown; friendly_name?: unknown }>;
  next_page_uri?: string | null;
}

export function createExotelAdapter(opts: ExotelAdapterOptions = {}): ProviderAdapter<ExotelCredentials> {
  const http: AxiosInstance = axios.create({ timeout: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS });

  const baseUrl = (c: ExotelCredentials): string => exotelApiBase(c, opts.apiBaseUrl);

  /** Every ExoPhone on the account (developer.exotel.com/api/exophone-details), following `next_page_uri`. */
  const listExophones = async (c: ExotelCredentials): Promise<NonNullable<ExophonePage['incoming_phone_numbers']>> => {
    requireExotelCredentials(c);
    const base = baseUrl(c);
    const auth = { username: c.api_key, password: c.api_token };
    const phones: NonNullable<ExophonePage['incoming_phone_numbers']> = [];
    let path: string | null = `/v2_beta/Accounts/${encodeURIComponent(c.account_sid)}/IncomingPhoneNumbers`;
    for (let page = 0; path && page < MAX_PAGES; page++) {
      const body: ExophonePage = await get(http, `${base}${path}`, auth);
      if (!Array.isArray(body?.incoming_phone_numbers)) {
        throw new ProviderError('provider_unavailable', 'Exotel answered the ExoPhone list without incoming_phone_numbers');
      }
      phones.push(...body.incoming_phone_numbers);
      path = nextPagePath(body.next_page_uri, base);
    }
    return phones;
  };

  return {
    provider: 'exotel',

    async validateCredentials(c) {
      await listExophones(c);
    },

    async listNumbers(c) {
      const phones = await listExophones(c);
      return phones.map((p): AccountNumber => {
        const raw = String(p.phone_number ?? '');
        // Exotel lists ExoPhones as 0-prefixed Indian national numbers (`09513886363`).
        const number = toE164(raw, 'IN');
        const friendlyName = typeof p.friendly_name === 'string' && p.friendly_name ? p.friendly_name : raw;
        const providerId = String(p.sid ?? '');
        return number
          ? { number, providerId, friendlyName, importable: true }
          : { number: raw, providerId, friendlyName, importable: false, reason: 'Exotel lists this ExoPhone with a number that is not a valid phone number' };
      });
    },
  };
}

/** `https://{subdomain}` of the account (only Exotel's own hosts), or `EXOTEL_API_BASE_URL` when set. */
export function exotelApiBase(c: ExotelCredentials, apiBaseUrl?: string): string {
  if (apiBaseUrl) return apiBaseUrl.replace(/\/+$/, '');
  const subdomain = c.subdomain?.trim() || DEFAULT_SUBDOMAIN;
  if (!SUBDOMAINS.includes(subdomain)) {
    throw new ProviderError('invalid_credentials', `Exotel subdomain must be one of ${SUBDOMAINS.join(', ')}`);
  }
  return `https://${subdomain}`;
}

/** api_key, api_token and account_sid are all needed before any request; throws `invalid_credentials`. */
export function requireExotelCredentials(c: ExotelCredentials): void {
  for (const key of ['api_key', 'api_token', 'account_sid'] as const) {
    if (typeof c?.[key] !== 'string' || !c[key].trim()) throw new ProviderError('invalid_credentials', `Exotel credentials need ${key}`);
  }
}

async function get<T>(http: AxiosInstance, url: string, auth: { username: string; password: string }): Promise<T> {
  try {
    return (await http.get<T>(url, { auth, headers: { accept: 'application/json' } })).data;
  } catch (err) {
    throw toExotelProviderError(err);
  }
}

/** An axios failure from either Exotel API in our provider error codes (shared by the adapter and call lookups). */
export const toExotelProviderError = (err: unknown): ProviderError =>
  httpProviderError('Exotel', err, { credentials: 'the API key and token', messageOf: exotelMessage });

/** The message from Exotel's `{RestException: {Message}}` error body, when there is one. */
function exotelMessage(data: unknown): string | undefined {
  const m = (data as { RestException?: { Message?: unknown } } | undefined)?.RestException?.Message;
  return typeof m === 'string' ? m : undefined;
}

/**
 * Where the next page of ExoPhones is, as a path and query to ask our own API base for. Exotel answers with an
 * absolute http URL, in its documented example on another of its hosts than the one asked (developer.exotel.com/api/
 * exophone-details: `"next_page_uri": "http://twilix.exotel.com/v2_beta/Accounts/Exotel/IncomingPhoneNumbers?Page=1&
 * PageSize=50"`). It is followed only on the host we asked or one of Exotel's, and always asked of our base (https,
 * the account's region), so a page URI cannot send the account's credentials anywhere else; null on the last page.
 */
export function nextPagePath(uri: unknown, base: string): string | null {
  if (typeof uri !== 'string' || uri === '') return null;
  let next: URL;
  try {
    next = new URL(uri, base);
  } catch {
    throw new ProviderError('provider_unavailable', 'Exotel answered the ExoPhone list with a next page URI that is not a URL');
  }
  const host = next.hostname.toLowerCase();
  if (host !== new URL(base).hostname.toLowerCase() && host !== 'exotel.com' && !host.endsWith('.exotel.com')) {
    throw new ProviderError('provider_unavailable', `Exotel answered the ExoPhone list with a next page on another host (${host}); not followed`);
  }
  return `${next.pathname}${next.search}`;
}

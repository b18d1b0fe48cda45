import twilio from 'twilio';
import { PROVIDER_TIMEOUT_MS, ProviderError } from '../provider-adapter';

/** What the customer pastes from the Twilio Console (API.md: twilio `{account_sid, auth_token}`). */
export interface TwilioCredentials {
  account_sid: string;
  auth_token: string;
}

export interface TwilioAdapterOptions {
  /** `TWILIO_API_BASE_URL`, read by the caller's config: every Twilio domain we use is pointed at it (fakes, proxies). */
  apiBaseUrl?: string;
  /** Per-request HTTP timeout; defaults to PROVIDER_TIMEOUT_MS. */
  timeoutMs?: number;
  /** IncomingPhoneNumbers page size; 1000 is Twilio's maximum, so most accounts list in one request. */
  pageSize?: number;
}

export type TwilioClient = ReturnType<typeof twilio>;

// Twilio's "Authenticate" error: https://www.twilio.com/docs/errors/20003
const TWILIO_AUTH_FAILED = 20003;

const INVALID_CREDENTIALS_MESSAGE =
  'Twilio did not accept this Account SID and Auth Token: copy both again from the Twilio Console (Account Info) and retry.';

/**
 * A twilio-node client for the customer's account: no SDK retries (callers own them), our timeout, and every
 * domain we use (`api` for 2010-04-01 numbers and SIP credential lists, `trunking` for Elastic SIP Trunking)
 * pointed at `apiBaseUrl` when set.
 */
export function twilioClient(credentials: TwilioCredentials, opts: TwilioAdapterOptions = {}): TwilioClient {
  const { account_sid: sid, auth_token: token } = credentials;
  // The SDK throws on a non-AC SID (an API key SK… or a typo); answer that as a credentials problem.
  if (!/^AC[0-9a-fA-F]{32}$/.test(sid ?? '') || !token) {
    throw new ProviderError('invalid_credentials', 'A Twilio Account SID starts with AC followed by 32 characters, and the Auth Token is required: copy both from the Twilio Console.');
  }
  const client = twilio(sid, token, { timeout: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS, autoRetry: false });
  if (opts.apiBaseUrl) {
    // Domains are independent objects with their own base URL (twilio-node lib/base/Domain.js); the paths don't collide.
    client.api.baseUrl = opts.apiBaseUrl;
    client.trunking.baseUrl = opts.apiBaseUrl;
  }
  return client;
}

/** Runs one SDK call, answering its failure as a ProviderError that says `what` we were doing. */
export async function twilioCall<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toTwilioProviderError(what, err);
  }
}

/** As `twilioCall`, for removals: a resource Twilio no longer has (HTTP 404) counts as removed. */
export async function twilioRemove(what: string, fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (err) {
    if ((err as { status?: unknown } | null)?.status === 404) return;
    throw toTwilioProviderError(what, err);
  }
}

/**
 * Twilio's RestException carries the HTTP `status` and Twilio `code`; anything without a status never got an HTTP
 * answer (timeout, refused, reset). Transport errors are not kept as `cause`: axios errors hold the request config,
 * whose Basic auth header encodes the token.
 */
export function toTwilioProviderError(what: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const e = (err ?? {}) as { status?: unknown; code?: unknown; message?: unknown };
  if (typeof e.status === 'number') {
    const status = e.status;
    const twilioCode = typeof e.code === 'number' ? e.code : undefined;
    const safeCause = { status, code: twilioCode };
    if (status === 401 || twilioCode === TWILIO_AUTH_FAILED) {
      return new ProviderError('invalid_credentials', INVALID_CREDENTIALS_MESSAGE, { providerStatus: status, cause: safeCause });
    }
    if (status >= 500) {
      return new ProviderError('provider_unavailable', `Twilio failed while ${what} (HTTP ${status}); try again shortly.`, { providerStatus: status, cause: safeCause });
    }
    const detail = typeof e.message === 'string' && e.message ? `: ${e.message}` : '';
    return new ProviderError('provider_rejected', `Twilio refused ${what} (HTTP ${status}${twilioCode ? `, error ${twilioCode}` : ''})${detail}`, {
      providerStatus: status,
      // Rate limiting clears by itself; other refusals need a change on the customer's side.
      retryable: status === 429,
      cause: safeCause,
    });
  }
  const code = typeof e.code === 'string' ? e.code : 'network error';
  const timedOut = code === 'ECONNABORTED' || code === 'ETIMEDOUT';
  return new ProviderError(
    'provider_unavailable',
    timedOut ? `Twilio did not answer in time while ${what}; try again shortly.` : `Could not reach Twilio while ${what} (${code}); try again shortly.`,
    { cause: { code } },
  );
}

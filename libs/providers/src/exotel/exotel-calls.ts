import axios from 'axios';
import { E164_PATTERN, toE164, type CallState } from '@callplane/contracts';
import type { CountryCode } from 'libphonenumber-js';
import { PROVIDER_TIMEOUT_MS, ProviderError } from '../provider-adapter';
import { exotelApiBase, requireExotelCredentials, toExotelProviderError, type ExotelCredentials } from './exotel.adapter';

/**
 * Exotel's call statuses in our states. The Call Details API and the Connect applet document `queued, ringing,
 * in-progress, completed, busy, failed, no-answer, canceled` (support.exotel.com, "Working with Connect applet").
 */
const EXOTEL_STATUS: Record<string, CallState> = {
  queued: 'initiating',
  ringing: 'ringing',
  'in-progress': 'in_progress',
  completed: 'completed',
  busy: 'busy',
  failed: 'failed',
  'no-answer': 'no_answer',
  canceled: 'canceled',
};

/** An Exotel call status in our words; null for a value Exotel does not document. */
export function exotelCallState(status: string): CallState | null {
  return EXOTEL_STATUS[status.trim().toLowerCase()] ?? null;
}

/** One call as Exotel's Call Details API reports it, normalised. */
export interface ExotelCall {
  providerCallId: string;
  /** E.164 (Exotel answers 0-prefixed national numbers), or null when it is not a valid phone number. */
  to: string | null;
  /** E.164 when it reads as a number; otherwise as Exotel sent it (a withheld caller). */
  from: string;
  /** Our state for Exotel's Status; null when Exotel answers a status it does not document. */
  state: CallState | null;
  /** Exotel's own words, for logs. */
  rawStatus: string;
  direction: string | null;
}

export interface ExotelCallLookupOptions {
  /** `EXOTEL_API_BASE_URL` (tests point it at FakeExotel). */
  apiBaseUrl?: string;
  timeoutMs?: number;
}

interface CallDetailsBody {
  Call?: { Sid?: unknown; To?: unknown; From?: unknown; Status?: unknown; Direction?: unknown };
}

/**
 * `GET /v1/Accounts/{sid}/Calls/{CallSid}.json` (developer.exotel.com/api/call-details; `.json` asks for JSON
 * rather than the default XML), Basic auth api_key:api_token. Returns null when Exotel answers 404: the call is
 * not on this account. Throws ProviderError otherwise (`provider_unavailable` for no answer, 5xx and 429;
 * `invalid_credentials` for 401/403).
 */
export async function fetchExotelCall(credentials: ExotelCredentials, callSid: string, opts: ExotelCallLookupOptions = {}): Promise<ExotelCall | null> {
  requireExotelCredentials(credentials);
  const url = `${exotelApiBase(credentials, opts.apiBaseUrl)}/v1/Accounts/${encodeURIComponent(credentials.account_sid)}/Calls/${encodeURIComponent(callSid)}.json`;
  let body: CallDetailsBody;
  try {
    const res = await axios.get<CallDetailsBody>(url, {
      auth: { username: credentials.api_key, password: credentials.api_token },
      headers: { accept: 'application/json' },
      timeout: opts.timeoutMs ?? PROVIDER_TIMEOUT_MS,
    });
    body = res.data;
  } catch (err) {
    // *Unconfirmed*: that an unknown CallSid is a 404 (Exotel's error-codes page lists 404 for a missing resource).
    if (axios.isAxiosError(err) && err.response?.status === 404) return null;
    throw toExotelProviderError(err);
  }
  const call = body?.Call;
  if (!call || typeof call !== 'object' || typeof call.Sid !== 'string') {
    throw new ProviderError('provider_unavailable', 'Exotel answered the call details without a Call');
  }
  // The answer must be about the call we asked for: anything else is a broken answer, not a confirmation.
  if (call.Sid.toLowerCase() !== callSid.toLowerCase()) throw new ProviderError('provider_unavailable', 'Exotel answered the call details for another call');
  const rawStatus = typeof call.Status === 'string' ? call.Status : '';
  const rawFrom = typeof call.From === 'string' ? call.From : '';
  return {
    providerCallId: call.Sid,
    to: typeof call.To === 'string' ? exotelNumber(call.To) : null,
    from: exotelNumber(rawFrom) ?? rawFrom,
    state: rawStatus ? exotelCallState(rawStatus) : null,
    rawStatus,
    direction: typeof call.Direction === 'string' ? call.Direction : null,
  };
}

/**
 * A number as Exotel writes it, in E.164: `09052161119` (0-prefixed Indian national, Exotel's usual form),
 * `+919052161119` and `919052161119` are the same number. National forms are read in `country`: the called
 * number's, which for Exotel (an Indian carrier) is India unless we know better.
 */
export function exotelNumber(raw: string, country: CountryCode = 'IN'): string | null {
  const n = raw.trim();
  return E164_PATTERN.test(n) ? n : (toE164(n, country) ?? toE164(`+${n}`));
}

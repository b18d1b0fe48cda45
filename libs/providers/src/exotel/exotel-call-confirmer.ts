import { ProviderError } from '../provider-adapter';
import type { ExotelCredentials } from './exotel.adapter';
import type { ExotelCall } from './exotel-calls';

/** Exotel's Call Details API for one account: the call, or null when it is not on that account. */
export type ExotelCallLookup = (credentials: ExotelCredentials, callSid: string) => Promise<ExotelCall | null>;

/** An imported Exotel number: the only kind whose requests can be confirmed (we hold the account's API key). */
export interface ExotelNumber {
  id: string;
  /** E.164. */
  number: string;
  credentials: ExotelCredentials;
}

export type Confirmation =
  | { kind: 'confirmed'; call: ExotelCall }
  | { kind: 'refused'; reason: 'not_on_account' | 'to_another_number'; message: string }
  | { kind: 'unavailable'; error: ProviderError };

/**
 * How we authenticate Exotel's unsigned requests. A request is accepted only if Exotel's own API, asked with the
 * number's stored credentials, knows its CallSid on that account and says the call is to this number (E.164).
 * Someone who can reach our URL but not the customer's Exotel account cannot invent a CallSid that passes, nor
 * replay a real one against another number.
 *
 * Confirmed calls are remembered per (number, CallSid) for `ttlMs` (30 min by default), so Exotel's retries and
 * the status callback at the end of the call cost no second lookup; concurrent requests for one call share one
 * lookup. Refusals and failures are not remembered: the next request asks again. The memory is per process:
 * behind several replicas a retry may cost one lookup per replica.
 */
export class ExotelCallConfirmer {
  private readonly confirmed = new Map<string, { at: number; call: ExotelCall }>();
  private readonly inflight = new Map<string, Promise<Confirmation>>();

  constructor(
    private readonly lookup: ExotelCallLookup,
    private readonly opts: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
  ) {}

  async confirm(phone: ExotelNumber, callSid: string): Promise<Confirmation> {
    const key = `${phone.id}|${callSid}`;
    const now = (this.opts.now ?? Date.now)();
    const hit = this.confirmed.get(key);
    if (hit && now - hit.at < (this.opts.ttlMs ?? 30 * 60_000)) return { kind: 'confirmed', call: hit.call };
    let pending = this.inflight.get(key);
    if (!pending) {
      pending = this.check(phone, callSid).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    const result = await pending;
    if (result.kind === 'confirmed') this.remember(key, { at: now, call: result.call });
    return result;
  }

  private async check(phone: ExotelNumber, callSid: string): Promise<Confirmation> {
    let call: ExotelCall | null;
    try {
      call = await this.lookup(phone.credentials, callSid);
    } catch (err) {
      return { kind: 'unavailable', error: err instanceof ProviderError ? err : new ProviderError('provider_unavailable', `Exotel call lookup failed: ${String(err)}`) };
    }
    if (!call) return { kind: 'refused', reason: 'not_on_account', message: "This CallSid is not a call on this number's Exotel account." };
    if (call.to !== phone.number) return { kind: 'refused', reason: 'to_another_number', message: 'This CallSid is a call to another number.' };
    return { kind: 'confirmed', call };
  }

  private remember(key: string, entry: { at: number; call: ExotelCall }): void {
    if (this.confirmed.size >= (this.opts.maxEntries ?? 50_000)) {
      // Map keeps insertion order: drop the oldest entry.
      const oldest = this.confirmed.keys().next().value;
      if (oldest !== undefined) this.confirmed.delete(oldest);
    }
    this.confirmed.delete(key);
    this.confirmed.set(key, entry);
  }
}

import { E164_PATTERN } from '@callplane/contracts';
import { livekitSipUri, SESSION_HEADER } from '@callplane/livekit';
import {
  exomlDialSip,
  exomlSayHangup,
  exotelNumber,
  parseExotelPassthruParams,
  ProviderError,
  type ExotelCall,
  type ExotelCredentials,
} from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import type { GatewayDeps } from './deps';
import type { RoutedNumber } from './number-routing';
import { answerInboundCall } from './inbound-call';

/** What a caller hears when we cannot confirm the call with Exotel: nothing is opened, and Exotel hangs up. */
export const EXOTEL_UNAVAILABLE_MESSAGE = "Sorry, we can't take your call right now. Please try again in a few minutes. Goodbye.";

/** An imported Exotel number: the only kind whose requests we can confirm (we hold the account's API key). */
export type ExotelNumber = RoutedNumber & { provider: 'exotel'; credentials: Record<string, string> };

/** Exotel's Call Details API for one account: the call, or null when it is not on that account. */
export type ExotelCallLookup = (credentials: ExotelCredentials, callSid: string) => Promise<ExotelCall | null>;

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
      call = await this.lookup(phone.credentials as unknown as ExotelCredentials, callSid);
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

export interface ExotelDeps extends GatewayDeps {
  exotelCalls: ExotelCallConfirmer;
}

/** The number behind an Exotel webhook URL: an imported Exotel number (with its credentials), or 404. */
export async function exotelNumberFor(deps: Pick<GatewayDeps, 'numbers'>, phoneId: string): Promise<ExotelNumber> {
  const phone = await deps.numbers.get(phoneId);
  if (!phone || phone.provider !== 'exotel' || !phone.credentials) {
    throw new AppError('not_found', 'No imported Exotel number has this id.');
  }
  return phone as ExotelNumber;
}

export interface ExotelInboundRequest {
  phoneId: string;
  /** The Passthru parameters: the query of a GET, or the query and form body of a POST. */
  params: Record<string, string>;
}

/**
 * The Exotel inbound chain, as Twilio's (STYLE.md #7): resolve number → validate → confirm the call with Exotel
 * (our authentication) → agent and tenant → opening hours → open the session → answer. Returns ExoML.
 */
export async function handleExotelInbound(deps: ExotelDeps, req: ExotelInboundRequest): Promise<string> {
  const phone = await exotelNumberFor(deps, req.phoneId);

  // Validated before authentication, which needs the CallSid; a refusal here writes nothing and asks Exotel nothing.
  const parsed = parseExotelPassthruParams(req.params);
  if (!parsed.ok) throw new AppError('validation_failed', 'The request is missing Exotel Passthru parameters.', { details: parsed.issues });
  const { providerCallId, from } = parsed.call;
  // Built only when written to: a child logger costs redaction work on every webhook otherwise.
  const log = () => deps.logger.child({ tenant_id: phone.tenantId, phone_id: phone.id, provider_call_id: providerCallId });
  const logging = deps.logger.isLevelEnabled('info');

  const confirmation = await deps.exotelCalls.confirm(phone, providerCallId);
  if (confirmation.kind === 'unavailable') {
    const { error } = confirmation;
    // Rejected credentials need the customer (re-import with a fresh key); an outage clears by itself.
    const level = error.code === 'invalid_credentials' ? 'error' : 'warn';
    log()[level]({ err_code: error.code, provider_status: error.opts.providerStatus, reason: error.message }, 'inbound Exotel call: cannot confirm with Exotel, apology played');
    return exomlSayHangup(EXOTEL_UNAVAILABLE_MESSAGE);
  }
  if (confirmation.kind === 'refused') {
    log().warn({ reason: confirmation.reason }, 'inbound Exotel request refused: not confirmed by Exotel');
    throw new AppError('forbidden', confirmation.message);
  }

  const outcome = await answerInboundCall(
    deps,
    phone,
    {
      // Exotel's API is the authority on who called; the request's CallFrom only when the API's is not a number.
      fromNumber: E164_PATTERN.test(confirmation.call.from) ? confirmation.call.from : (exotelNumber(from, phone.country ?? 'IN') ?? from),
      toNumber: phone.number,
      provider: 'exotel',
      providerCallId,
    },
    { log, logging, label: 'inbound Exotel call' },
  );
  if (outcome.kind === 'say_and_hang_up') return exomlSayHangup(outcome.message);
  const { session } = outcome;
  return exomlDialSip(livekitSipUri(phone.number, deps.livekitSipHost, { headers: { [SESSION_HEADER]: session.id } }), phone.sipAuth ?? {});
}

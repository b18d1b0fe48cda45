import type { CallState } from '@callplane/contracts';
import type { CountryCode } from 'libphonenumber-js';
import type { ProviderError } from '../provider-adapter';

/** What a webhook implementation needs to know about the number a request was sent to (the `{phone_id}` of its URL). */
export interface WebhookNumber {
  id: string;
  /** E.164. */
  number: string;
  /** Its country, to read numbers the carrier sends in national form. */
  country: CountryCode | undefined;
  /** The key its webhooks are signed with (`WebhookFormat.signingKey`); null: the carrier signs nothing for it. */
  signingKey: string | null;
  /** The customer's carrier credentials (imported numbers). */
  credentials: Record<string, string> | null;
}

/** A webhook request as the carrier sent it. */
export interface CarrierWebhookRequest {
  /** The URL exactly as the carrier called it: PUBLIC_BASE_URL + path + query (what a signature covers). */
  publicUrl: string;
  header(name: string): string | undefined;
  /** The carrier's parameters, name → value, read from the query and body as its routes read them. */
  params: Record<string, string>;
}

/** A call arriving at one of our numbers, in our words: numbers in E.164 when they read as one. */
export interface InboundCall {
  providerCallId: string;
  /** The caller; as the carrier sent it when it is not a number (a withheld caller: "anonymous"). */
  from: string;
  to: string;
}

/** A carrier's report on a call, in our words. */
export interface CallStatusReport {
  /** The call the session was opened for (for a forwarded leg's report: its parent call). */
  providerCallId: string;
  state: CallState;
  /** Seconds the call was connected, when the carrier says. */
  durationSeconds?: number;
  sipStatus?: number;
  /** When the carrier says it happened, when it says so readably. */
  at?: Date;
}

export type WebhookIssues = Array<{ field: string; message: string }>;

/** A parse result: the value, or what a person must fix (`message`) and each bad parameter by the carrier's name. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; issues: WebhookIssues };

/** Why a request is refused as not the carrier's (403). */
export interface WebhookRefusal {
  code: 'invalid_signature' | 'forbidden';
  message: string;
  /** For logs. */
  reason: string;
}

/** The carrier's answer on a call it was asked about. */
export type CallConfirmation =
  /** The call is real and to this number; `from` is the carrier's own record of the caller, when it is a number. */
  | { kind: 'confirmed'; from: string | null }
  | { kind: 'refused'; refusal: WebhookRefusal }
  /** The carrier could not be asked; `message` says so to the carrier, which retries a refused callback. */
  | { kind: 'unavailable'; error: ProviderError; message: string };

/**
 * One carrier's inbound voice webhooks, behind one interface (STYLE.md #3): how a request is authenticated, read into
 * a provider-neutral call or status report, and answered in the carrier's markup. Authentication is either a
 * signature over the request (`verifySignature`) or, for carriers that sign nothing, a question to the carrier about
 * the call (`confirmCall`); a format may have both, and the use cases run whichever it has.
 */
export interface CarrierWebhooks {
  /** The format these are: the carriers whose numbers they serve name it as their `webhooks`. */
  readonly format: WebhookFormat;
  /** Of every answer `connect` and `sayAndHangUp` render. */
  readonly contentType: string;
  /** Why a phone id is not found on these webhooks' URLs (404). */
  readonly unknownNumberMessage: string;
  /** Whether a number whose carrier takes this format can be served (e.g. only numbers whose credentials we hold). */
  serves(number: WebhookNumber): boolean;
  /** A refusal when the request's signature is missing or wrong for the number; null when it holds or none is expected. */
  verifySignature(number: WebhookNumber, request: CarrierWebhookRequest): WebhookRefusal | null;
  /** The incoming call, its numbers read in the called number's country. */
  parseInbound(number: WebhookNumber, params: Record<string, string>): Parsed<InboundCall>;
  parseStatus(params: Record<string, string>): Parsed<CallStatusReport>;
  /** Asks the carrier whether the call is real and to this number: for carriers whose requests carry no proof. */
  confirmCall?(number: WebhookNumber, providerCallId: string): Promise<CallConfirmation>;
  /**
   * Forwards the call to a SIP URI (LiveKit's), with the digest credentials its trunk expects; `statusCallbackUrl`
   * is where the carrier should report the forwarded leg, if it reports legs that way.
   */
  connect(sipUri: string, opts: { sipAuth: { username: string; password: string } | null; statusCallbackUrl?: string }): string;
  /** Speaks a message and hangs up: after hours, unassigned numbers, anything we must refuse politely. */
  sayAndHangUp(message: string): string;
}

/** Options a webhook implementation is created with: where the carrier's API is, for formats that ask it. */
export interface WebhookOptions {
  /** `<VENDOR>_API_BASE_URL` (tests: its fake); the carrier's real host when unset. */
  apiBaseUrl?: string;
  /** Calls to the carrier's API slower than this count as the carrier being unavailable. */
  timeoutMs?: number;
  /** How long a confirmed call is remembered, so retries and later callbacks need no second question. */
  confirmTtlMs?: number;
}

/**
 * A webhook format, shared by every carrier whose webhooks take its shape (`Carrier.webhooks`): Twilio's is also
 * the format of bring-your-own numbers. Stateless; `create` makes the implementation a process serves with.
 */
export interface WebhookFormat {
  /** For logs. */
  readonly name: string;
  /** Where the gateway serves this format (API.md): `{pathPrefix}/incoming/{phone_id}` and `{pathPrefix}/status/{phone_id}`. */
  readonly pathPrefix: `/${string}`;
  /** The key a number's webhooks are signed with, from what is stored for it; null when they are not signed. */
  signingKey(stored: { signingSecret: string | null; credentials: Record<string, string> | null }): string | null;
  /** Whether `signingKey` finds a key in a number's stored credentials, when it has no signing secret (what the API shows as `signed_webhooks`). */
  readonly signsWithCredentials: boolean;
  create(opts?: WebhookOptions): CarrierWebhooks;
}

/**
 * A number's webhook URLs in a format, the one place they are spelled: the gateway declares its routes with them
 * (`phoneId` ':phone_id'), importers point the carrier at them and the API shows them (`baseUrl` PUBLIC_BASE_URL).
 */
export function webhookPaths(format: Pick<WebhookFormat, 'pathPrefix'>, phoneId: string, baseUrl = ''): { incoming: string; status: string } {
  return { incoming: `${baseUrl}${format.pathPrefix}/incoming/${phoneId}`, status: `${baseUrl}${format.pathPrefix}/status/${phoneId}` };
}

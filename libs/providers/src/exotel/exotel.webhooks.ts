import { E164_PATTERN } from '@callplane/contracts';
import type { CarrierWebhooks, WebhookFormat, WebhookOptions } from '../webhooks/carrier-webhooks';
import { EXOML_CONTENT_TYPE, exomlDialSip, exomlSayHangup } from './exoml';
import type { ExotelCredentials } from './exotel.adapter';
import { ExotelCallConfirmer } from './exotel-call-confirmer';
import { exotelNumber, fetchExotelCall } from './exotel-calls';
import { parseExotelPassthruParams, parseExotelStatusParams } from './exotel-webhook-params';

/** Exotel waits 15 s for the Passthru's answer: a Call Details lookup slower than this counts as Exotel being unavailable. */
const LOOKUP_TIMEOUT_MS = 5_000;

/** The format of Exotel's Passthru applet and StatusCallback (`Carrier.webhooks`). */
export const exotelWebhookFormat: WebhookFormat = {
  name: 'exotel',
  pathPrefix: '/exotel',
  signsWithCredentials: false,
  // Exotel does not sign its requests: each one is confirmed with Exotel's API instead (`confirmCall`).
  signingKey: () => null,
  create: (opts) => createExotelWebhooks(opts),
};

/**
 * Exotel's webhooks, for imported Exotel numbers. Exotel signs nothing, so a request is authenticated by asking
 * Exotel's Call Details API about its CallSid with the number's stored credentials (`ExotelCallConfirmer`, which
 * remembers confirmed calls): only numbers whose credentials we hold are served. Each instance has its own memory.
 */
export function createExotelWebhooks(opts: WebhookOptions = {}): CarrierWebhooks {
  const confirmer = new ExotelCallConfirmer((credentials, callSid) => fetchExotelCall(credentials, callSid, { apiBaseUrl: opts.apiBaseUrl, timeoutMs: opts.timeoutMs ?? LOOKUP_TIMEOUT_MS }), {
    ttlMs: opts.confirmTtlMs,
  });
  return {
    format: exotelWebhookFormat,
    contentType: EXOML_CONTENT_TYPE,
    unknownNumberMessage: 'No imported Exotel number has this id.',
    serves: (number) => Boolean(number.credentials),
    verifySignature: () => null,

    parseInbound(number, params) {
      const parsed = parseExotelPassthruParams(params);
      if (!parsed.ok) return { ok: false, message: 'The request is missing Exotel Passthru parameters.', issues: parsed.issues };
      const { providerCallId, from } = parsed.call;
      // CallTo is the ExoPhone called, as Exotel writes it; Exotel's API confirms the call is to this number.
      return { ok: true, value: { providerCallId, from: exotelNumber(from, number.country ?? 'IN') ?? from, to: number.number } };
    },

    parseStatus(params) {
      const parsed = parseExotelStatusParams(params);
      if (!parsed.ok) return { ok: false, message: 'The request is not an Exotel status callback.', issues: parsed.issues };
      // No `at`: Exotel's DateUpdated has no time zone (*unconfirmed*: IST), so the time we hear of it is the honest one.
      // *Unconfirmed*: DialCallDuration counts from dialling the second leg (LiveKit) to the end, so the answer time it
      // gives is right only to within the ring time; it fills answered_at only when nothing else did.
      return { ok: true, value: parsed.report };
    },

    async confirmCall(number, providerCallId) {
      const credentials = number.credentials as unknown as ExotelCredentials;
      const c = await confirmer.confirm({ id: number.id, number: number.number, credentials }, providerCallId);
      if (c.kind === 'unavailable') return { kind: 'unavailable', error: c.error, message: "Exotel's API could not confirm this call. Retry later." };
      if (c.kind === 'refused') return { kind: 'refused', refusal: { code: 'forbidden', message: c.message, reason: c.reason } };
      // Exotel's API is the authority on who called; the request's CallFrom only when the API's is not a number.
      return { kind: 'confirmed', from: E164_PATTERN.test(c.call.from) ? c.call.from : null };
    },

    connect: (sipUri, { sipAuth }) => exomlDialSip(sipUri, sipAuth ?? {}),
    sayAndHangUp: exomlSayHangup,
  };
}

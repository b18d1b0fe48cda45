import { E164_PATTERN, toE164 } from '@callplane/contracts';
import type { CountryCode } from 'libphonenumber-js';
import type { CarrierWebhooks, WebhookFormat } from '../webhooks/carrier-webhooks';
import { parseTwilioStatusParams } from './twilio-status';
import { parseTwilioVoiceParams } from './twilio-voice-params';
import { verifyTwilioSignature } from './twilio-signature';
import { twimlDialSip, twimlSayHangup } from './twiml';

/** Twilio's TwiML answers (Twilio docs, "TwiML for Programmable Voice": `text/xml`). */
export const TWIML_CONTENT_TYPE = 'text/xml';

const INVALID_SIGNATURE = "The X-Twilio-Signature header is missing or does not match this number's signing secret.";

/** The format Twilio's numbers and bring-your-own numbers share (`Carrier.webhooks`). */
export const twilioWebhookFormat: WebhookFormat = {
  name: 'twilio',
  pathPrefix: '/twilio',
  signsWithCredentials: true,
  // An imported Twilio number is signed with its account's auth token; a bring-your-own number with the signing secret given for it.
  signingKey: ({ signingSecret, credentials }) => signingSecret ?? credentials?.auth_token ?? null,
  create: () => twilioWebhooks,
};

/**
 * Twilio-format voice webhooks: Twilio's own numbers and bring-your-own numbers whose provider speaks Twilio's format
 * (both registered with this format in the carrier registry). Requests are signed (X-Twilio-Signature) with the
 * number's signing key; a bring-your-own number without a signing secret is not signed, and its requests are taken
 * as they come. Stateless: one instance serves every process.
 */
const twilioWebhooks: CarrierWebhooks = {
  format: twilioWebhookFormat,
  contentType: TWIML_CONTENT_TYPE,
  unknownNumberMessage: 'No phone number with this id takes Twilio-format webhooks.',
  serves: () => true,

  verifySignature(number, request) {
    if (!number.signingKey) return null;
    const ok = verifyTwilioSignature({ authToken: number.signingKey, signature: request.header('x-twilio-signature'), url: request.publicUrl, params: request.params });
    return ok ? null : { code: 'invalid_signature', message: INVALID_SIGNATURE, reason: 'signature' };
  },

  parseInbound(number, params) {
    const parsed = parseTwilioVoiceParams(params);
    if (!parsed.ok) return { ok: false, message: 'The webhook is missing Twilio voice parameters.', issues: parsed.issues };
    const { providerCallId, from, to } = parsed.call;
    return {
      ok: true,
      value: { providerCallId, from: normalise(from, number.country) ?? from, to: to === number.number ? number.number : (normalise(to, number.country) ?? number.number) },
    };
  },

  parseStatus(params) {
    const parsed = parseTwilioStatusParams(params);
    if (!parsed.ok) return { ok: false, message: 'The status callback is missing or has malformed Twilio parameters.', issues: parsed.issues };
    return { ok: true, value: parsed.report };
  },

  // The <Sip> leg's progress (LiveKit answering, the leg ending) comes back as status callbacks on the parent CallSid.
  connect: (sipUri, { sipAuth, statusCallbackUrl }) => twimlDialSip(sipUri, { ...(sipAuth ?? {}), statusCallback: statusCallbackUrl }),
  sayAndHangUp: twimlSayHangup,
};

/**
 * E.164 as carriers mostly send it passes through; other forms are read in the country of the called number
 * (`09052161119` on an Indian number is +919052161119; `14155551234` is tried as international too). Callers
 * may withhold their number ("anonymous"): then the caller keeps what the carrier sent.
 */
function normalise(n: string, country: CountryCode | undefined): string | null {
  return E164_PATTERN.test(n) ? n : (toE164(n, country) ?? toE164(n));
}

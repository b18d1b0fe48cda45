import { E164_PATTERN, toE164, type Provider } from '@callplane/contracts';
import { livekitSipUri, SESSION_HEADER } from '@callplane/livekit';
import { parseTwilioVoiceParams, twimlDialSip, twimlSayHangup, verifyTwilioSignature } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import type { CountryCode } from 'libphonenumber-js';
import type { GatewayDeps } from './deps';
import { answerInboundCall } from './inbound-call';

export { UNASSIGNED_MESSAGE } from './inbound-call';

export interface TwilioInboundRequest {
  phoneId: string;
  /** The URL exactly as Twilio called it: PUBLIC_BASE_URL + path + query. */
  publicUrl: string;
  signature: string | undefined;
  params: Record<string, string>;
}

/**
 * The inbound chain (STYLE.md #7): resolve number → verify signature → validate → agent and tenant →
 * opening hours → open the session → answer. Each step either continues or answers with the right refusal.
 * Returns TwiML.
 */
export async function handleTwilioInbound(deps: GatewayDeps, req: TwilioInboundRequest): Promise<string> {
  const phone = await deps.numbers.get(req.phoneId);
  if (!phone || (phone.provider !== 'twilio' && phone.provider !== 'sip')) throw new AppError('not_found', 'No phone number with this id takes Twilio-format webhooks.');

  const signingKey = phone.signingKey;
  if (signingKey && !verifyTwilioSignature({ authToken: signingKey, signature: req.signature, url: req.publicUrl, params: req.params })) {
    throw new AppError('invalid_signature', 'The X-Twilio-Signature header is missing or does not match this number\'s signing secret.');
  }

  const parsed = parseTwilioVoiceParams(req.params);
  if (!parsed.ok) throw new AppError('validation_failed', 'The webhook is missing Twilio voice parameters.', { details: parsed.issues });
  const { providerCallId, from, to } = parsed.call;
  // Built only when written to: a child logger costs redaction work on every webhook otherwise.
  const log = () => deps.logger.child({ tenant_id: phone.tenantId, phone_id: phone.id, provider_call_id: providerCallId });
  const logging = deps.logger.isLevelEnabled('info');

  const outcome = await answerInboundCall(
    deps,
    phone,
    { fromNumber: normalise(from, phone.country) ?? from, toNumber: to === phone.number ? phone.number : (normalise(to, phone.country) ?? phone.number), provider: phone.provider as Provider, providerCallId },
    { log, logging, label: 'inbound call' },
  );
  if (outcome.kind === 'say_and_hang_up') return twimlSayHangup(outcome.message);
  const { session } = outcome;
  // The <Sip> leg's progress (LiveKit answering, the leg ending) comes back as status callbacks on the parent CallSid.
  return twimlDialSip(livekitSipUri(phone.number, deps.livekitSipHost, { headers: { [SESSION_HEADER]: session.id } }), {
    ...(phone.sipAuth ?? {}),
    statusCallback: `${deps.publicBaseUrl}/twilio/status/${phone.id}`,
  });
}

/**
 * E.164 as carriers mostly send it passes through; other forms are read in the country of the called number
 * (`09052161119` on an Indian number is +919052161119; `14155551234` is tried as international too). Callers
 * may withhold their number ("anonymous"): then the caller keeps what the carrier sent.
 */
function normalise(n: string, country: CountryCode | undefined): string | null {
  return E164_PATTERN.test(n) ? n : (toE164(n, country) ?? toE164(n));
}

import type { Carrier } from '../registry/carrier';
import { twilioWebhookFormat } from '../twilio/twilio.webhooks';

/**
 * Bring-your-own numbers from any SIP or voice provider: no credentials of theirs, no import. The customer points
 * the provider's voice webhook at us (Twilio-format, signed with the secret they give) or a trunk at LiveKit.
 */
export const sipCarrier = {
  name: 'sip',
  capabilities: { sipDirect: false },
  webhooks: twilioWebhookFormat,
} as const satisfies Carrier;

import type { Carrier } from '../registry/carrier';
import { createTwilioAdapter } from './twilio.adapter';
import { createTwilioImporter, TWILIO_OUTBOUND_TRANSPORT } from './twilio.importer';
import { twilioWebhookFormat } from './twilio.webhooks';

/** Twilio: numbers imported with the account's credentials; calls arrive as signed voice webhooks (TwiML answers). */
export const twilioCarrier = {
  name: 'twilio',
  capabilities: { sipDirect: false },
  createAdapter: (opts) => createTwilioAdapter(opts),
  createImporter: (opts) => createTwilioImporter(opts),
  outboundTransport: TWILIO_OUTBOUND_TRANSPORT,
  webhooks: twilioWebhookFormat,
} as const satisfies Carrier;

import type { Carrier } from '../registry/carrier';
import { createExotelAdapter } from './exotel.adapter';
import { createExotelImporter, EXOTEL_OUTBOUND_TRANSPORT } from './exotel.importer';
import { exotelWebhookFormat } from './exotel.webhooks';

/** Exotel: outbound over a vSIP trunk; inbound through the Passthru applet's webhook (ExoML answers). */
export const exotelCarrier = {
  name: 'exotel',
  capabilities: { sipDirect: false },
  createAdapter: (opts) => createExotelAdapter(opts),
  createImporter: (opts) => createExotelImporter(opts),
  outboundTransport: EXOTEL_OUTBOUND_TRANSPORT,
  webhooks: exotelWebhookFormat,
} as const satisfies Carrier;

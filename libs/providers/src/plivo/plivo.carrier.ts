import type { Carrier } from '../registry/carrier';
import { createPlivoAdapter } from './plivo.adapter';
import { INDIA_REMEMBERED_REASON } from './plivo-number';
import { createPlivoImporter, ZENTRUNK_TRANSPORT } from './plivo.importer';

/** Plivo: imported through Zentrunk, SIP-direct both ways (PROVIDERS.md "Plivo"). */
export const plivoCarrier = {
  name: 'plivo',
  capabilities: { sipDirect: true },
  createAdapter: (opts) => createPlivoAdapter(opts),
  createImporter: (opts) => createPlivoImporter(opts),
  // PROVIDERS.md "Plivo": an Indian local number stays bound to the Zentrunk trunk it was attached to.
  stickyBinding: { refusal: { code: 'plivo_india_number_locked', message: INDIA_REMEMBERED_REASON } },
  outboundTransport: ZENTRUNK_TRANSPORT,
} as const satisfies Carrier;

import type { Carrier } from '../registry/carrier';
import { createPlivoAdapter } from './plivo.adapter';
import { createPlivoImporter } from './plivo.importer';

/** Plivo: imported through Zentrunk, SIP-direct both ways (PROVIDERS.md "Plivo"). */
export const plivoCarrier = {
  name: 'plivo',
  capabilities: { sipDirect: true },
  createAdapter: (opts) => createPlivoAdapter(opts),
  createImporter: (opts) => createPlivoImporter(opts),
} as const satisfies Carrier;

import type { Carrier } from '../registry/carrier';
import { createVobizAdapter } from './vobiz.adapter';
import { createVobizImporter } from './vobiz.importer';

/** Vobiz: listed over REST, imported as a SIP trunk, SIP-direct both ways. Imports call no API (SIP-only). */
export const vobizCarrier = {
  name: 'vobiz',
  capabilities: { sipDirect: true },
  createAdapter: (opts) => createVobizAdapter(opts),
  createImporter: () => createVobizImporter(),
} as const satisfies Carrier;

import { BYOK_PROVIDERS, type ByokProviderName, type Provider } from '@callplane/contracts';
import { exotelCarrier } from '../exotel/exotel.carrier';
import { plivoCarrier } from '../plivo/plivo.carrier';
import { sipCarrier } from '../sip/sip.carrier';
import { byoPlanner } from '../sip/sip.planner';
import { twilioCarrier } from '../twilio/twilio.carrier';
import { vobizCarrier } from '../vobiz/vobiz.carrier';
import type { NumberPlanner } from '../import/import-plan';
import type { ByokCarrier, Carrier, CarrierApiOptions } from './carrier';

/**
 * Every carrier, once (README "Adding a carrier"). The names come from `PROVIDERS` in libs/contracts (the public
 * API's enum); this map must hold an entry for each, and the compiler says which one is missing.
 */
export const CARRIERS = {
  twilio: twilioCarrier,
  plivo: plivoCarrier,
  exotel: exotelCarrier,
  vobiz: vobizCarrier,
  sip: sipCarrier,
} as const satisfies { readonly [P in Provider]: Carrier & { readonly name: P } } & { readonly [P in ByokProviderName]: ByokCarrier };

/** The carrier of a stored number's `provider`; a name no carrier has (a row from a removed carrier) is null. */
export function carrierOf(provider: string): Carrier | null {
  return Object.prototype.hasOwnProperty.call(CARRIERS, provider) ? CARRIERS[provider as Provider] : null;
}

/** API bases per carrier (`TWILIO_API_BASE_URL` …), as the services' settings name them. */
export type CarrierApiBases = Partial<Record<ByokProviderName, CarrierApiOptions['apiBaseUrl']>>;

/** One listing adapter per BYOK carrier, each on its API base. */
export function byokAdapters(bases: CarrierApiBases = {}) {
  return Object.fromEntries(BYOK_PROVIDERS.map((p) => [p, CARRIERS[p].createAdapter({ apiBaseUrl: bases[p] })])) as { [P in ByokProviderName]: ReturnType<(typeof CARRIERS)[P]['createAdapter']> };
}

/** One importer per BYOK carrier, each on its API base. */
export function byokImporters(bases: CarrierApiBases = {}) {
  return Object.fromEntries(BYOK_PROVIDERS.map((p) => [p, CARRIERS[p].createImporter({ apiBaseUrl: bases[p] })])) as { [P in ByokProviderName]: ReturnType<(typeof CARRIERS)[P]['createImporter']> };
}

/** The listing adapters of the BYOK carriers, by name. */
export type ByokAdapters = ReturnType<typeof byokAdapters>;

/** The importers of the BYOK carriers, by name. */
export type ByokImporters = ReturnType<typeof byokImporters>;

/**
 * What rebuilds a stored number's step plan (to undo it at release), for every carrier: a BYOK carrier's importer
 * (the ones given, so a service's API bases apply), and the bring-your-own plan of `sip` numbers.
 */
export function numberPlanners(importers: ByokImporters): { readonly [P in Provider]: NumberPlanner<never> } {
  return { ...importers, sip: byoPlanner };
}

import type { ByokProviderName, Provider } from '@callplane/contracts';
import type { SipTransportName } from '@callplane/livekit';
import type { NumberImporter } from '../import/import-plan';
import type { ProviderAdapter, ProviderErrorCode } from '../provider-adapter';
import type { WebhookFormat } from '../webhooks/carrier-webhooks';

/** Where a carrier's REST API is: its real host unless `<VENDOR>_API_BASE_URL` points elsewhere (tests: its fake). */
export interface CarrierApiOptions {
  apiBaseUrl?: string;
}

/**
 * What a carrier can do, read by the use cases instead of branching on its name (`provider === 'plivo'`).
 */
export interface CarrierCapabilities {
  /**
   * Calls reach LiveKit's inbound trunk straight from the carrier's SIP trunk (Plivo Zentrunk, Vobiz): no webhook
   * reaches us first, so the session is opened from LiveKit's participant webhook, by the trunk number called.
   */
  readonly sipDirect: boolean;
}

/**
 * The carrier keeps a number bound to the trunk we attached it to even after we release it, so the number cannot be
 * imported again (Plivo: an Indian local number on Zentrunk). Which numbers are subject to it, the importer's
 * preflight says (`PreflightResult.stickyBinding`); provisioning remembers each one it binds.
 */
export interface StickyBinding {
  /** Why importing a number we bound before is refused (API.md's code, 409), and the customer's way out. */
  readonly refusal: { readonly code: ProviderErrorCode; readonly message: string };
}

/**
 * One carrier as the platform knows it: its capabilities and the adapters that speak its API. Each carrier folder
 * (`libs/providers/src/<vendor>/`) exports one of these; `registry/carriers.ts` lists them, once.
 */
export interface Carrier {
  readonly name: Provider;
  readonly capabilities: CarrierCapabilities;
  /** BYOK listing: validate the customer's credentials, list the account's numbers. Absent: numbers are not imported. */
  createAdapter?(opts: CarrierApiOptions): ProviderAdapter<never>;
  /** BYOK import: preflight, the recorded step plan, inbound reconfiguration. */
  createImporter?(opts: CarrierApiOptions): NumberImporter<never>;
  /** Absent: a number we release is free to be imported again. */
  readonly stickyBinding?: StickyBinding;
  /** The SIP transport LiveKit's outbound trunks to this carrier use (imports, trial numbers); absent: negotiated. */
  readonly outboundTransport?: SipTransportName;
  /** Inbound voice webhooks: how a call to one of its numbers reaches the gateway and is answered. Absent: none reach us (SIP-direct). */
  readonly webhooks?: WebhookFormat;
}

/** A carrier whose numbers are imported with the customer's credentials (API.md "BYOK"). */
export type ByokCarrier = Carrier & { readonly name: ByokProviderName } & Required<Pick<Carrier, 'createAdapter' | 'createImporter'>>;

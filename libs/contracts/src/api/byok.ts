import { z } from 'zod';
import { PROVIDERS, type Provider } from '../call';

const secret = z.string().trim().min(1).max(256);

/** Credentials per provider (API.md, "Phone numbers"). Never returned; stored only sealed. */
export const byokCredentialsSchemas = {
  twilio: z.object({ account_sid: z.string().trim().regex(/^AC[0-9a-fA-F]{32}$/, 'must be a Twilio Account SID (AC + 32 hex characters)'), auth_token: secret }).strict(),
  plivo: z.object({ auth_id: z.string().trim().regex(/^[A-Z]{2}[A-Z0-9]{18}$/, 'must be a 20-character Plivo Auth ID'), auth_token: secret }).strict(),
  exotel: z
    .object({ api_key: secret, api_token: secret, account_sid: secret, subdomain: z.enum(['api.exotel.com', 'api.in.exotel.com']).optional() })
    .strict(),
  /** Vobiz's REST credentials list the account's numbers; SIP-only credentials are taken at import. */
  vobiz: z.object({ auth_id: secret, auth_token: secret }).strict(),
} as const satisfies { [P in ByokProviderName]: z.ZodType };
/** Every carrier but `sip` (bring-your-own numbers) takes the customer's credentials. */
export type ByokProviderName = Exclude<Provider, 'sip'>;
export const BYOK_PROVIDERS = PROVIDERS.filter((p): p is ByokProviderName => p !== 'sip');

/** Credentials taken at import (API.md): as for listing, except Vobiz, whose import takes the SIP trunk's. */
export const byokImportCredentialsSchemas = {
  ...byokCredentialsSchemas,
  vobiz: z
    .object({
      sip_domain: z.string().trim().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, 'must be the trunk\'s SIP host name, such as abc123.sip.vobiz.ai'),
      username: secret,
      password: secret,
    })
    .strict(),
} as const;

export const byokImportBodySchema = z
  .object({ credentials: z.record(z.string(), z.unknown()), number: z.string().trim().min(1).max(32) })
  .strict();

export const exotelConfigureInboundResponseSchema = z.object({ configured: z.boolean(), manual_steps: z.string().optional() });

export const byokAvailableBodySchema = z.object({ credentials: z.record(z.string(), z.unknown()) }).strict();

export const byokAvailableNumberSchema = z.object({
  number: z.string(),
  friendly_name: z.string(),
  importable: z.boolean(),
  reason: z.string().optional(),
});
export const byokAvailableResponseSchema = z.object({ data: z.array(byokAvailableNumberSchema) });

import { z } from 'zod';
import { CALL_STATES, callLifecycleDataSchema } from '../call';

/** `GET /voice/settings/webhooks` and `POST /voice/settings/webhooks/rotate-secret`: the tenant's current signing secret. */
export const webhookSecretSchema = z.object({
  secret: z.string().describe('`whsec_` + 32 random bytes (base64url); verifies `Callplane-Signature`. Keep it server-side.'),
});
export type WebhookSecretBody = z.infer<typeof webhookSecretSchema>;

/** Headers of every status webhook. */
export const WEBHOOK_HEADERS = {
  /** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`; two `v1=` during the 24 h after a rotation. */
  signature: 'Callplane-Signature',
  /** The body's `id` (`evt_…`), stable across retries: receivers dedupe on it. */
  eventId: 'Callplane-Event-Id',
} as const;

/** Prefix of webhook signing secrets, so a leaked one is recognisable in a scan. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';

/** The body of a status webhook (API.md "Outbound calls"): one call lifecycle transition. */
export const statusWebhookBodySchema = z.object({
  id: z.string(),
  event: z.enum(CALL_STATES),
  session_id: z.string(),
  occurred_at: z.string(),
  /** A campaign's call: the campaign (`cmp_…`) and the contact it dialed (`cct_…`); absent on other calls. */
  campaign_id: z.string().optional(),
  contact_id: z.string().optional(),
  call: callLifecycleDataSchema,
});
export type StatusWebhookBody = z.infer<typeof statusWebhookBodySchema>;

import { z } from 'zod';
import { PROVIDERS } from '../call';
import { listOf } from './common';

export const byoNumberCreateSchema = z
  .object({
    number: z.string().trim().min(1).max(32),
    signing_secret: z.string().min(8).max(256).optional(),
  })
  .strict();
export type ByoNumberCreate = z.infer<typeof byoNumberCreateSchema>;

export const phoneNumberSchema = z.object({
  id: z.string(),
  number: z.string(),
  provider: z.enum(PROVIDERS),
  byok: z.boolean(),
  agent_id: z.string().nullable(),
  greeting: z.string().nullable(),
  enabled: z.boolean(),
  webhook_url: z.string().nullable(),
  signed_webhooks: z.boolean().describe('true when inbound webhooks must carry a valid provider signature'),
  credential_hint: z.string().nullable(),
  inbound: z.object({ configured: z.boolean(), manual_steps: z.string().nullable() }),
  outbound: z.object({ enabled: z.boolean() }),
  locked: z.object({ reason: z.string() }).nullable(),
  state: z
    .enum(['importing', 'active', 'needs_attention'])
    .describe('needs_attention: an import or release failed part-way and could not be undone; attention.reason says what is left'),
  attention: z.object({ reason: z.string() }).nullable(),
  delete_warning: z.string().optional().describe('What deleting costs, e.g. an Indian Plivo number that cannot be imported again'),
  created_at: z.string(),
});
export type PhoneNumberDto = z.infer<typeof phoneNumberSchema>;
export const phoneNumberListSchema = listOf(phoneNumberSchema);

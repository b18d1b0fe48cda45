import { z } from 'zod';
import { CALL_DIRECTIONS, CALL_STATES, CALL_TYPES, PHONE_DIRECTIONS, PROVIDERS, SESSION_PROVIDERS } from '../call';
import { listOf, listQuerySchema } from './common';

export const transcriptEntrySchema = z.object({ role: z.enum(['agent', 'caller']), text: z.string(), at: z.string() });

export const sessionUsageSchema = z.object({
  llm_prompt_tokens: z.number(),
  llm_completion_tokens: z.number(),
  tts_characters: z.number(),
  stt_seconds: z.number(),
  telephony_minutes: z.number(),
});

export const sessionCostSchema = z.object({
  telephony: z.number(),
  llm: z.number(),
  tts: z.number(),
  stt: z.number(),
  total: z.number(),
  currency: z.string(),
});

export const sessionSchema = z.object({
  id: z.string(),
  direction: z.enum(CALL_DIRECTIONS),
  call_type: z.enum(CALL_TYPES),
  /** The campaign that placed the call; null for every other call. */
  campaign_id: z.string().nullable(),
  agent_id: z.string().nullable(),
  from_number: z.string(),
  to_number: z.string(),
  provider: z.enum(SESSION_PROVIDERS),
  status: z.enum(CALL_STATES),
  end_reason: z.string().nullable(),
  started_at: z.string(),
  answered_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  duration_seconds: z.number().nullable(),
  transcript: z.array(transcriptEntrySchema),
  recording_url: z.string().nullable(),
  usage: sessionUsageSchema,
  cost: sessionCostSchema,
});
export type SessionDto = z.infer<typeof sessionSchema>;
export const sessionListSchema = listOf(sessionSchema);

const isoDate = z.string().datetime({ offset: true, message: 'must be an ISO-8601 timestamp such as 2026-03-10T14:00:00Z' });

export const sessionListQuerySchema = listQuerySchema
  .extend({
    call_type: z.enum(CALL_TYPES).optional(),
    direction: z.enum(CALL_DIRECTIONS).optional(),
    agent_id: z.string().max(100).optional(),
    campaign_id: z.string().max(100).optional().describe('Only the calls this campaign placed'),
    since: isoDate.optional(),
    until: isoDate.optional(),
  })
  .strict();
export type SessionListQuery = z.infer<typeof sessionListQuerySchema>;

const moneyTotals = z.object({ telephony: z.number(), llm: z.number(), tts: z.number(), stt: z.number(), total: z.number() });
const summaryBucketSchema = z.object({
  calls: z.number().int(),
  answered_calls: z.number().int(),
  duration_seconds: z.number().int(),
  telephony_minutes: z.number().int(),
  cost: moneyTotals,
});

export const analyticsSummaryQuerySchema = z.object({ since: isoDate.optional(), until: isoDate.optional(), campaign_id: z.string().max(100).optional().describe('Only the calls this campaign placed') }).strict();
export type AnalyticsSummaryQuery = z.infer<typeof analyticsSummaryQuerySchema>;

/**
 * Calls started in [since, until), of one campaign when `campaign_id` is given. Studio test calls are free to the
 * customer's end users and reported apart from paying calls.
 */
export const analyticsSummarySchema = z.object({
  since: z.string().nullable(),
  until: z.string().nullable(),
  campaign_id: z.string().nullable(),
  currency: z.string(),
  paying: summaryBucketSchema,
  studio_test: summaryBucketSchema,
});
export type AnalyticsSummaryDto = z.infer<typeof analyticsSummarySchema>;

export const leadSchema = z.object({ number: z.string(), first_seen_at: z.string(), last_seen_at: z.string(), calls: z.number().int() });
export type LeadDto = z.infer<typeof leadSchema>;
export const leadListSchema = listOf(leadSchema);
export const leadListQuerySchema = listQuerySchema.strict();

// Prices. `model: "*"` prices every model of a provider that has no line of its own.
const price = z.number().nonnegative().max(1_000);
const pricedModel = { provider: z.string().min(1).max(100), model: z.string().min(1).max(200) };

export const priceTableSchema = z
  .object({
    currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD'),
    /** Per started minute of the call's answered duration. */
    telephony_per_minute: z.array(z.object({ provider: z.enum(PROVIDERS), direction: z.enum(PHONE_DIRECTIONS), price })).max(100),
    llm_per_1k_tokens: z.array(z.object({ ...pricedModel, prompt: price, completion: price })).max(500),
    tts_per_1k_characters: z.array(z.object({ ...pricedModel, price })).max(500),
    stt_per_minute: z.array(z.object({ ...pricedModel, price })).max(500),
  })
  .strict()
  .superRefine((t, ctx) => {
    const unique = (field: string, keys: string[]) => {
      const seen = new Set<string>();
      keys.forEach((k, i) => {
        if (seen.has(k)) ctx.addIssue({ code: 'custom', path: [field, i], message: 'duplicates an earlier line' });
        seen.add(k);
      });
    };
    unique('telephony_per_minute', t.telephony_per_minute.map((l) => `${l.provider}|${l.direction}`));
    unique('llm_per_1k_tokens', t.llm_per_1k_tokens.map((l) => `${l.provider}|${l.model}`));
    unique('tts_per_1k_characters', t.tts_per_1k_characters.map((l) => `${l.provider}|${l.model}`));
    unique('stt_per_minute', t.stt_per_minute.map((l) => `${l.provider}|${l.model}`));
  });
export type PriceTable = z.infer<typeof priceTableSchema>;

export const priceTableVersionSchema = z.object({ version: z.number().int(), created_at: z.string(), prices: priceTableSchema });
export type PriceTableVersionDto = z.infer<typeof priceTableVersionSchema>;

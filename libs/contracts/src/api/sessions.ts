import { z } from 'zod';
import { CALL_DIRECTIONS, CALL_STATES, CALL_TYPES, PROVIDERS } from '../call';
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
  agent_id: z.string().nullable(),
  from_number: z.string(),
  to_number: z.string(),
  provider: z.enum(PROVIDERS),
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
    since: isoDate.optional(),
    until: isoDate.optional(),
  })
  .strict();
export type SessionListQuery = z.infer<typeof sessionListQuerySchema>;

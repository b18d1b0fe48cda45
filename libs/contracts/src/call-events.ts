import { z } from 'zod';

/**
 * `data` of the `call.transcript` and `call.usage` events the voice agent emits while a call runs. Both are
 * shaped so that redelivery and reordering merge to the same result whatever order the events arrive in:
 *
 * - transcript turns carry `seq`, their position in the conversation (0, 1, 2, …). Consumers keep one turn
 *   per seq; an event may carry one turn or several, and the same turn may arrive again in a later event.
 * - usage is reported as **cumulative totals for the whole session so far**, with a `report_seq` that grows
 *   with every report. Consumers keep the report with the highest `report_seq`, so a lost or late report
 *   is harmless as long as a later one arrives. The voice agent sends a last report when the call ends.
 */

/** Event `type`s on the two topics. */
export const CALL_TRANSCRIPT_EVENT_TYPE = 'call.transcript';
export const CALL_USAGE_EVENT_TYPE = 'call.usage';

export const TRANSCRIPT_ROLES = ['agent', 'caller'] as const;
export type TranscriptRole = (typeof TRANSCRIPT_ROLES)[number];

export const transcriptTurnSchema = z.object({
  /** Position of the turn in the conversation, from 0. Unique per session. */
  seq: z.number().int().nonnegative(),
  role: z.enum(TRANSCRIPT_ROLES),
  text: z.string().max(100_000),
  /** When the turn was spoken (ISO-8601 UTC). */
  at: z.iso.datetime({ offset: true }),
});
export type TranscriptTurn = z.infer<typeof transcriptTurnSchema>;

export const callTranscriptDataSchema = z.object({
  session_id: z.string().min(1),
  turns: z.array(transcriptTurnSchema).min(1).max(1_000),
});
export type CallTranscriptData = z.infer<typeof callTranscriptDataSchema>;

const providerModel = { provider: z.string().min(1).max(100), model: z.string().min(1).max(200) };
const count = z.number().int().nonnegative();

export const llmUsageSchema = z.object({ ...providerModel, prompt_tokens: count, completion_tokens: count });
export const ttsUsageSchema = z.object({ ...providerModel, characters: count });
export const sttUsageSchema = z.object({ ...providerModel, seconds: z.number().nonnegative() });
export type LlmUsage = z.infer<typeof llmUsageSchema>;
export type TtsUsage = z.infer<typeof ttsUsageSchema>;
export type SttUsage = z.infer<typeof sttUsageSchema>;

export const callUsageDataSchema = z.object({
  session_id: z.string().min(1),
  /** Grows with every report of this session (1, 2, 3, …); the highest one is the session's usage. */
  report_seq: z.number().int().positive(),
  /** Totals since the call started, one line per provider and model. */
  llm: z.array(llmUsageSchema).max(100).default([]),
  tts: z.array(ttsUsageSchema).max(100).default([]),
  stt: z.array(sttUsageSchema).max(100).default([]),
  recording_url: z.url().max(2_000).optional(),
});
export type CallUsageData = z.input<typeof callUsageDataSchema>;
export type ParsedCallUsageData = z.output<typeof callUsageDataSchema>;

import { z } from 'zod';
import { httpUrlSchema, isIanaTimeZone, listOf } from './common';

/**
 * The vendors the voice agent has plugins for (and `local`, the offline stack). An agent naming any other is
 * refused when it is saved (400), never mid-call: add a vendor here only together with its plugin.
 */
export const TTS_PROVIDERS = ['cartesia', 'elevenlabs', 'deepgram', 'openai', 'local'] as const;
export const STT_PROVIDERS = ['deepgram', 'openai', 'local'] as const;
export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** The longest `max_duration` an agent may have (4 hours): also the reaper's cap for a call whose own is not known. */
export const MAX_DURATION_LIMIT_SECONDS = 14_400;

export const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time HH:MM');

export const voiceConfigSchema = z
  .object({
    greeting: z.string().trim().min(1).max(1000),
    tts: z.object({ provider: z.enum(TTS_PROVIDERS), model: z.string().min(1).max(100), voice: z.string().min(1).max(200) }).strict(),
    stt: z
      .object({ provider: z.enum(STT_PROVIDERS), model: z.string().min(1).max(100), language: z.string().regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, 'must be a language tag such as en or en-US') })
      .strict(),
    max_duration: z.number().int().min(1).max(MAX_DURATION_LIMIT_SECONDS).default(600),
    recording: z.boolean().default(false),
    transcription: z.boolean().default(true),
  })
  .strict();
export type VoiceConfig = z.infer<typeof voiceConfigSchema>;

/** A weekly window's fields: the days it applies to and its start and end on the local clock. */
export const weeklyWindowSchema = z
  .object({
    days: z.array(z.enum(WEEKDAYS)).min(1).max(7).refine((d) => new Set(d).size === d.length, 'days must not repeat'),
    start: hhmm,
    end: hhmm,
  })
  .strict();

/** Opening hours: a window whose end is before its start runs past midnight. */
export const openWindowSchema = weeklyWindowSchema
  .refine((w) => w.start !== w.end, { message: 'start and end must differ', path: ['end'] });

export const afterHoursSchema = z
  .object({
    timezone: z.string().refine(isIanaTimeZone, 'must be an IANA time zone such as Asia/Kolkata'),
    open: z.array(openWindowSchema).min(1).max(28),
    message: z.string().trim().min(1).max(1000),
  })
  .strict();
export type AfterHours = z.infer<typeof afterHoursSchema>;

export const agentCreateSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    system_prompt: z.string().trim().min(1).max(20000),
    voice: voiceConfigSchema,
    after_hours: afterHoursSchema.nullable().optional(),
    status_webhook_url: httpUrlSchema.nullable().optional(),
  })
  .strict();
export type AgentCreate = z.infer<typeof agentCreateSchema>;

export const agentPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    system_prompt: z.string().trim().min(1).max(20000),
    voice: voiceConfigSchema,
    after_hours: afterHoursSchema.nullable(),
    status_webhook_url: httpUrlSchema.nullable(),
  })
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change');
export type AgentPatch = z.infer<typeof agentPatchSchema>;

export const agentSchema = z.object({
  id: z.string(),
  name: z.string(),
  system_prompt: z.string(),
  voice: voiceConfigSchema,
  after_hours: afterHoursSchema.nullable(),
  status_webhook_url: z.string().nullable(),
  phone_numbers: z.array(z.string()).describe('ids of the numbers assigned to this agent'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type AgentDto = z.infer<typeof agentSchema>;
export const agentListSchema = listOf(agentSchema);

export const assignPhoneSchema = z
  .object({
    phone_id: z.string().min(1).max(100),
    greeting: z.string().trim().min(1).max(1000).optional(),
    enabled: z.boolean(),
  })
  .strict();
export type AssignPhone = z.infer<typeof assignPhoneSchema>;

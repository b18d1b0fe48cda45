import type { CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { parseE164 } from '../phone';
import { isSandboxCallerId, isSandboxNumber } from '../sandbox';
import { httpUrlSchema, listOf, listQuerySchema } from './common';

/** Bounds on `context`: it travels in the agent's dispatch metadata and LiveKit room metadata, which are size-limited. */
export const DIAL_CONTEXT_LIMITS = { maxKeys: 50, maxKeyLength: 64, maxValueLength: 1000 } as const;

/** How far ahead a call may be scheduled. */
export const MAX_SCHEDULE_AHEAD_DAYS = 365;

/**
 * A destination as customers type it, in E.164 with its country when it has one, or null when it is not a number
 * we can call. The sandbox carrier's numbers and its load range (../sandbox.ts) are fictional on purpose, so
 * libphonenumber calls them invalid: they are taken as they are, with no country.
 */
export function parseDialNumber(input: string): { number: string; country: CountryCode | undefined } | null {
  const trimmed = input.trim();
  return parseE164(trimmed) ?? (isSandboxNumber(trimmed) ? { number: trimmed, country: undefined } : null);
}

/** A number calls are placed from: a destination's form, or one of the sandbox's caller ids (fictional too). */
export function parseCallerNumber(input: string): string | null {
  const trimmed = input.trim();
  return parseDialNumber(trimmed)?.number ?? (isSandboxCallerId(trimmed) ? trimmed : null);
}

const phoneNumberSchema = (parse: (v: string) => string | null | undefined) =>
  z
    .string()
    .trim()
    .min(1)
    .max(32)
    .transform((v, ctx) => {
      const e164 = parse(v);
      if (!e164) {
        ctx.addIssue({ code: 'custom', message: 'must be a valid phone number in E.164 form, such as +14155551234' });
        return z.NEVER;
      }
      return e164;
    });

/** A phone number to call, as customers type it (`+1 415-555-1234`, `14155551234`), normalised to E.164. */
export const dialNumberSchema = phoneNumberSchema((v) => parseDialNumber(v)?.number);

/** A number of the tenant's to call from, normalised the same way; the sandbox's caller ids included. */
export const fromNumberSchema = phoneNumberSchema(parseCallerNumber);

/** `{{variable}}` names for the agent's prompt and greeting, each with a plain string value (no nesting). */
export const dialContextSchema = z
  .record(
    z.string().regex(new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${DIAL_CONTEXT_LIMITS.maxKeyLength - 1}}$`), 'keys must be variable names such as customer_name'),
    z.string().max(DIAL_CONTEXT_LIMITS.maxValueLength),
  )
  .refine((c) => Object.keys(c).length <= DIAL_CONTEXT_LIMITS.maxKeys, `at most ${DIAL_CONTEXT_LIMITS.maxKeys} variables`)
  .describe('Prompt variables: `{"customer_name": "Asha"}` fills `{{customer_name}}` in the agent\'s prompt and greeting');

export const dialRequestSchema = z
  .object({
    agent_id: z.string().min(1).max(100),
    to_number: dialNumberSchema.describe('The callee, E.164'),
    from_number: fromNumberSchema.describe('One of your numbers with outbound enabled, E.164'),
    context: dialContextSchema.optional(),
    scheduled_at: z.iso
      .datetime({ offset: true, message: 'must be an ISO-8601 date-time such as 2026-03-10T14:00:00Z' })
      .optional()
      .describe('Place the call at this time (in the future) instead of now'),
    webhook_url: httpUrlSchema.optional().describe("Status webhooks for this call go here instead of the agent's status_webhook_url"),
  })
  .strict();
export type DialRequest = z.infer<typeof dialRequestSchema>;

export const dialResponseSchema = z.object({
  session_id: z.string(),
  status: z.enum(['initiating', 'scheduled']),
});
export type DialResponse = z.infer<typeof dialResponseSchema>;

export const cancelScheduledResponseSchema = z.object({
  session_id: z.string(),
  status: z.literal('canceled'),
});
export type CancelScheduledResponse = z.infer<typeof cancelScheduledResponseSchema>;

/**
 * Where a scheduled call stands: `scheduled` (waiting for its time; cancelable), `placed` (it fired: from then on it is
 * the call session at `GET /voice/sessions/{session_id}`), `canceled`.
 */
export const SCHEDULED_CALL_STATUSES = ['scheduled', 'placed', 'canceled'] as const;
export type ScheduledCallStatus = (typeof SCHEDULED_CALL_STATUSES)[number];

export const scheduledCallSchema = z.object({
  session_id: z.string().describe('The id `POST /voice/outbound/dial` answered with; the call session has it once the call is placed'),
  status: z.enum(SCHEDULED_CALL_STATUSES),
  agent_id: z.string(),
  from_number: z.string(),
  to_number: z.string(),
  context: z.record(z.string(), z.string()),
  scheduled_at: z.string(),
  webhook_url: z.string().nullable(),
  placed_at: z.string().nullable().describe('When the call was placed (its session opened); null before'),
  created_at: z.string(),
});
export type ScheduledCallDto = z.infer<typeof scheduledCallSchema>;
export const scheduledCallListSchema = listOf(scheduledCallSchema);

export const scheduledCallListQuerySchema = listQuerySchema.extend({
  status: z.enum(SCHEDULED_CALL_STATUSES).optional().describe('Only calls in this status'),
});
export type ScheduledCallListQuery = z.infer<typeof scheduledCallListQuerySchema>;

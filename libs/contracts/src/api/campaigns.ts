import { z } from 'zod';
import { TERMINAL_CALL_STATES, type CallState } from '../call';
import { hhmm, weeklyWindowSchema } from './agents';
import { httpUrlSchema, isIanaTimeZone, listOf } from './common';
import { dialContextSchema, dialNumberSchema, fromNumberSchema } from './outbound';

/** API.md "Campaigns": the lifecycle of a campaign. */
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'running', 'paused', 'completed', 'canceled'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
/** A campaign that is over: it dials nothing more, and its in-flight calls' ends are the last word on their contacts. */
export const FINAL_CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['completed', 'canceled'];
export const isFinalCampaignStatus = (s: string): boolean => (FINAL_CAMPAIGN_STATUSES as readonly string[]).includes(s);
/** Launched and not over: the states `end_at` closes. */
export const LAUNCHED_CAMPAIGN_STATUSES: readonly CampaignStatus[] = ['scheduled', 'running', 'paused'];

/** Where each contact is. `calling`: a call is initiating, ringing or in progress. */
export const CONTACT_STATES = ['pending', 'calling', 'retry_scheduled', 'completed', 'no_answer', 'busy', 'failed', 'do_not_call', 'canceled'] as const;
export type ContactState = (typeof CONTACT_STATES)[number];
/** A contact in one of these is done: no call will be placed to it again. */
export const FINAL_CONTACT_STATES: readonly ContactState[] = ['completed', 'no_answer', 'busy', 'failed', 'do_not_call', 'canceled'];
export const isFinalContactState = (s: string): boolean => (FINAL_CONTACT_STATES as readonly string[]).includes(s);

/** The outcomes a campaign may retry (`retry.on`). */
export const RETRYABLE_OUTCOMES = ['no_answer', 'busy', 'failed'] as const;
export type RetryableOutcome = (typeof RETRYABLE_OUTCOMES)[number];

/**
 * A call's outcome as a contact's state: the call-state machine's terminal state, with `canceled` (we hung up before it
 * was answered, or the campaign was canceled mid-ring) counted as `failed`, since the contact was not reached.
 */
export function contactOutcome(terminal: CallState): Extract<ContactState, 'completed' | 'no_answer' | 'busy' | 'failed'> {
  if (!TERMINAL_CALL_STATES.includes(terminal)) throw new Error(`${terminal} is not a terminal call state`);
  return terminal === 'completed' || terminal === 'no_answer' || terminal === 'busy' ? terminal : 'failed';
}

/** Bounds (API.md "Fields"). */
export const CAMPAIGN_LIMITS = {
  concurrency: { min: 1, max: 1000 },
  maxCallsPerSecond: { min: 0.01, max: 100 },
  maxAttempts: { min: 1, max: 10 },
  backoffSeconds: { min: 0, max: 604_800 },
  fromNumbers: { max: 100 },
  windows: { max: 28 },
} as const;

/** The default recipient hours: 08:00–21:00 in the recipient's own time zone. */
export const DEFAULT_RECIPIENT_HOURS = { start: '08:00', end: '21:00' } as const;

const timeZoneSchema = z.string().max(64).refine(isIanaTimeZone, 'must be an IANA time zone such as America/New_York');

/** A calling window: the same day, `start` before `end`, in the campaign's time zone. */
export const campaignWindowSchema = weeklyWindowSchema.refine((w) => w.start < w.end, { message: 'start must be before end (a window is within one day)', path: ['end'] });
export type CampaignWindow = z.infer<typeof campaignWindowSchema>;

export const recipientHoursSchema = z
  .object({ start: hhmm, end: hhmm })
  .strict()
  .refine((h) => h.start < h.end, { message: 'start must be before end', path: ['end'] });
export type RecipientHours = z.infer<typeof recipientHoursSchema>;

export const campaignRetrySchema = z
  .object({
    max_attempts: z.number().int().min(CAMPAIGN_LIMITS.maxAttempts.min).max(CAMPAIGN_LIMITS.maxAttempts.max),
    backoff_seconds: z.number().int().min(CAMPAIGN_LIMITS.backoffSeconds.min).max(CAMPAIGN_LIMITS.backoffSeconds.max),
    on: z.array(z.enum(RETRYABLE_OUTCOMES)).max(RETRYABLE_OUTCOMES.length).refine((o) => new Set(o).size === o.length, 'outcomes must not repeat'),
  })
  .strict();
export type CampaignRetry = z.infer<typeof campaignRetrySchema>;

const isoDateTime = z.iso.datetime({ offset: true, message: 'must be an ISO-8601 date-time such as 2026-03-10T14:00:00Z' });

const campaignFields = {
  name: z.string().trim().min(1).max(200),
  agent_id: z.string().min(1).max(100),
  from_numbers: z
    .array(fromNumberSchema)
    .min(1)
    .max(CAMPAIGN_LIMITS.fromNumbers.max)
    .refine((n) => new Set(n).size === n.length, 'numbers must not repeat')
    .describe('Your numbers with outbound enabled, E.164, used in rotation'),
  timezone: timeZoneSchema.describe('IANA time zone of the windows'),
  windows: z.array(campaignWindowSchema).min(1).max(CAMPAIGN_LIMITS.windows.max),
  start_at: isoDateTime.nullable(),
  end_at: isoDateTime.nullable(),
  concurrency: z.number().int().min(CAMPAIGN_LIMITS.concurrency.min).max(CAMPAIGN_LIMITS.concurrency.max),
  max_calls_per_second: z.number().min(CAMPAIGN_LIMITS.maxCallsPerSecond.min).max(CAMPAIGN_LIMITS.maxCallsPerSecond.max).nullable(),
  retry: campaignRetrySchema,
  recipient_hours: recipientHoursSchema.nullable().describe('Checked in the recipient\'s time zone; null turns it off. Default 08:00–21:00'),
  webhook_url: httpUrlSchema.nullable(),
};

/** Both ends given: `start_at` before `end_at`. */
const startBeforeEnd = (c: { start_at?: string | null; end_at?: string | null }) => !c.start_at || !c.end_at || Date.parse(c.start_at) < Date.parse(c.end_at);

export const campaignCreateSchema = z
  .object({
    ...campaignFields,
    start_at: campaignFields.start_at.optional(),
    end_at: campaignFields.end_at.optional(),
    max_calls_per_second: campaignFields.max_calls_per_second.optional(),
    recipient_hours: campaignFields.recipient_hours.optional(),
    webhook_url: campaignFields.webhook_url.optional(),
  })
  .strict()
  .refine(startBeforeEnd, { message: 'end_at must be after start_at', path: ['end_at'] });
export type CampaignCreate = z.infer<typeof campaignCreateSchema>;

/** `PATCH /voice/campaigns/{id}`: any create field, only while `draft` or `paused`. */
export const campaignPatchSchema = z
  .object(campaignFields)
  .partial()
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'send at least one field to change')
  .refine(startBeforeEnd, { message: 'end_at must be after start_at', path: ['end_at'] });
export type CampaignPatch = z.infer<typeof campaignPatchSchema>;

export const campaignCountsSchema = z.object(Object.fromEntries(['total', ...CONTACT_STATES].map((k) => [k, z.number().int()])) as Record<'total' | ContactState, z.ZodNumber>);
export type CampaignCounts = z.infer<typeof campaignCountsSchema>;

export const campaignSchema = z.object({
  id: z.string(),
  name: z.string(),
  agent_id: z.string(),
  from_numbers: z.array(z.string()),
  timezone: z.string(),
  windows: z.array(campaignWindowSchema),
  start_at: z.string().nullable(),
  end_at: z.string().nullable(),
  concurrency: z.number().int(),
  max_calls_per_second: z.number().nullable(),
  retry: campaignRetrySchema,
  recipient_hours: recipientHoursSchema.nullable(),
  webhook_url: z.string().nullable(),
  status: z.enum(CAMPAIGN_STATUSES),
  counts: campaignCountsSchema,
  created_at: z.string(),
  launched_at: z.string().nullable(),
  completed_at: z.string().nullable(),
});
export type CampaignDto = z.infer<typeof campaignSchema>;
export const campaignListSchema = listOf(campaignSchema);

/** Bounds on one contact upload. The byte limit of a body is the service's setting (`413 payload_too_large`). */
export const CONTACT_UPLOAD_LIMITS = { maxRows: 1_000_000 } as const;

/** A contact as JSON uploads send it (CSV rows are read into the same shape). */
export const contactInputSchema = z
  .object({
    to_number: z.string().max(64),
    context: dialContextSchema.optional(),
    timezone: timeZoneSchema.optional(),
  })
  .strict();
export type ContactInput = z.infer<typeof contactInputSchema>;
export const contactsJsonBodySchema = z.object({ contacts: z.array(contactInputSchema).min(1).max(CONTACT_UPLOAD_LIMITS.maxRows) }).strict();

export const CONTACT_REJECTIONS = ['invalid_number', 'duplicate', 'do_not_call'] as const;
export const contactsUploadResultSchema = z.object({
  accepted: z.number().int(),
  /** `row`: the 1-based index among the data rows (a CSV header is not counted). */
  rejected: z.array(z.object({ row: z.number().int(), to_number: z.string(), error: z.enum(CONTACT_REJECTIONS) })),
});
export type ContactsUploadResult = z.infer<typeof contactsUploadResultSchema>;

export const contactsQuerySchema = z.object({ state: z.enum(CONTACT_STATES).optional() });

export const campaignContactSchema = z.object({
  id: z.string(),
  to_number: z.string(),
  context: z.record(z.string(), z.string()),
  state: z.enum(CONTACT_STATES),
  attempts: z.number().int(),
  last_outcome: z.string().nullable(),
  last_session_id: z.string().nullable(),
  next_attempt_at: z.string().nullable(),
});
export type CampaignContactDto = z.infer<typeof campaignContactSchema>;
export const campaignContactListSchema = listOf(campaignContactSchema);

/** `results.csv`: these columns first, then the context columns. */
export const CAMPAIGN_RESULT_COLUMNS = ['to_number', 'state', 'attempts', 'last_outcome', 'last_session_id', 'duration_seconds'] as const;

/** The body POSTed to a campaign's `webhook_url` when it completes (signed like status webhooks). */
export const campaignCompletedWebhookSchema = z.object({
  id: z.string(),
  event: z.literal('campaign.completed'),
  campaign_id: z.string(),
  occurred_at: z.string(),
  status: z.enum(['completed', 'canceled']),
  counts: campaignCountsSchema,
});
export type CampaignCompletedWebhook = z.infer<typeof campaignCompletedWebhookSchema>;

/** API.md "Do-not-call list". */
export const dncAddSchema = z.object({ numbers: z.array(dialNumberSchema).min(1).max(10_000) }).strict();
export const dncAddResultSchema = z.object({ added: z.number().int() });
export const dncEntrySchema = z.object({ number: z.string(), added_at: z.string() });
export const dncListSchema = listOf(dncEntrySchema);
export const DO_NOT_CALL_MESSAGE = 'That number is on your do-not-call list.';

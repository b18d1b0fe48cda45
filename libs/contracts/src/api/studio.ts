import { z } from 'zod';

/** Trial-pool carriers and the destinations each serves (API.md: +91 through Vobiz, +1 through Plivo). */
export const TRIAL_PROVIDERS = ['vobiz', 'plivo'] as const;
export type TrialProvider = (typeof TRIAL_PROVIDERS)[number];
export type TrialRegion = 'IN' | 'US';
export const TRIAL_REGION_OF_PROVIDER: Record<TrialProvider, TrialRegion> = { vobiz: 'IN', plivo: 'US' };

/** The trial region a destination is dialled from, by its country code; null when test calls cannot reach it. */
export function trialRegionOf(e164: string): TrialRegion | null {
  if (e164.startsWith('+91')) return 'IN';
  if (e164.startsWith('+1')) return 'US';
  return null;
}

/**
 * The carrier SIP trunk a trial number dials through, for both providers: Vobiz's trunk domain
 * (`{trunk_id}.sip.vobiz.ai`), or the termination domain of a Plivo Zentrunk outbound trunk (`{id}.zt.plivo.com`),
 * with that trunk's SIP credentials.
 */
export const trialCredentialsSchema = z
  .object({
    sip_domain: z
      .string()
      .trim()
      .regex(/^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+(:\d{1,5})?$/, 'must be a SIP host name such as abc123.sip.vobiz.ai'),
    username: z.string().min(1).max(200),
    password: z.string().min(1).max(200),
  })
  .strict();
export type TrialCredentials = z.infer<typeof trialCredentialsSchema>;

export const trialNumberCreateSchema = z
  .object({
    number: z.string().trim().min(1).max(32),
    provider: z.enum(TRIAL_PROVIDERS),
    credentials: trialCredentialsSchema,
  })
  .strict();
export type TrialNumberCreate = z.infer<typeof trialNumberCreateSchema>;

export const trialNumberSchema = z.object({
  id: z.string(),
  number: z.string(),
  provider: z.enum([...TRIAL_PROVIDERS, 'sip']).describe('sip: the sandbox\'s own number, added on start when LiveKit is not configured (test calls to the sandbox numbers)'),
  region: z.enum(['IN', 'US']),
  in_use_by: z.string().nullable().describe('the studio test call (cs_…) holding the number; null when free'),
  leased_at: z.string().nullable(),
  created_at: z.string(),
});
export type TrialNumberDto = z.infer<typeof trialNumberSchema>;
export const trialNumberListSchema = z.object({ data: z.array(trialNumberSchema) });

export const testCallCreateSchema = z
  .object({
    agent_id: z.string().min(1).max(100),
    to_number: z.string().trim().min(1).max(32),
  })
  .strict();
export type TestCallCreate = z.infer<typeof testCallCreateSchema>;
export const testCallCreatedSchema = z.object({ session_id: z.string() });

export const TEST_CALL_STATES = ['initiating', 'ringing', 'live', 'ended'] as const;
export type TestCallState = (typeof TEST_CALL_STATES)[number];
export const testCallStatusSchema = z.object({
  state: z.enum(TEST_CALL_STATES),
  duration_seconds: z.number().int().describe('seconds since the callee answered (0 before)'),
  max_seconds: z.number().int(),
  error: z.string().nullable().describe('null, or why the call failed or was ended by us: dispatch_timeout, livekit_not_configured, …'),
});
export type TestCallStatus = z.infer<typeof testCallStatusSchema>;

export const testCallQuotaSchema = z.object({
  used: z.number().int(),
  limit: z.number().int(),
  remaining: z.number().int(),
  resets_at: z.string().describe('the next midnight UTC'),
});
export type TestCallQuota = z.infer<typeof testCallQuotaSchema>;

export const recentNumbersSchema = z.object({
  data: z.array(z.object({ to_number: z.string(), last_called_at: z.string() })),
});
export type RecentNumbers = z.infer<typeof recentNumbersSchema>;

/** Refusals of `POST /voice/studio/test-call`: status, code and the exact sentence (API.md), with the configured limits. */
export const TEST_CALL_REFUSALS = {
  userQuota: (limit: number) => ({ status: 429, code: 'test_call_user_quota', message: `You've used all ${limit} test calls for today. They reset at midnight UTC.` }),
  destinationQuota: (limit: number) => ({ status: 429, code: 'test_call_destination_quota', message: `That number has already received ${limit} test calls today. Try again tomorrow.` }),
  unsupportedDestination: () => ({ status: 400, code: 'test_call_unsupported_destination', message: 'Test calls currently support +91 (India) and +1 (US) destinations only.' }),
  poolExhausted: () => ({ status: 503, code: 'pool_exhausted', message: 'All trial numbers are in use right now. Try again in a minute.' }),
  /** The pool has no number for the destination at all: waiting will not help, an operator must add one. */
  poolEmpty: () => ({ status: 503, code: 'trial_pool_empty', message: 'No trial numbers are configured yet. Ask your operator to add one.' }),
} as const;

export const webCallCreateSchema = z.object({ agent_id: z.string().min(1).max(100) }).strict();
export type WebCallCreate = z.infer<typeof webCallCreateSchema>;

/** `POST /voice/studio/web-call`: how the browser joins, by the transport this deployment has (API.md "Web calls"). */
export const webCallCreatedSchema = z.discriminatedUnion('transport', [
  z.object({
    session_id: z.string(),
    transport: z.literal('livekit'),
    server_url: z.string().describe('the LiveKit server, for livekit-client (`room.connect(server_url, participant_token)`)'),
    participant_token: z.string().describe('joins this room only, to publish the microphone and hear the agent; valid a few minutes'),
    room_name: z.string(),
  }),
  z.object({
    session_id: z.string(),
    transport: z.literal('websocket'),
    url: z.string().describe('the sandbox audio socket (ws:// or wss://) with its single-use token; connect within a minute'),
  }),
]);
export type WebCallCreated = z.infer<typeof webCallCreatedSchema>;

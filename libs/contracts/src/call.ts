import { z } from 'zod';

export const CALL_STATES = ['initiating', 'ringing', 'in_progress', 'completed', 'failed', 'no_answer', 'busy', 'canceled'] as const;
export type CallState = (typeof CALL_STATES)[number];
export const TERMINAL_CALL_STATES: readonly CallState[] = ['completed', 'failed', 'no_answer', 'busy', 'canceled'];

/** `web`: a studio Web Call, the browser talking to the agent with no telephony (API.md "Web calls"). */
export const CALL_DIRECTIONS = ['inbound', 'outbound', 'web'] as const;
export type CallDirection = (typeof CALL_DIRECTIONS)[number];
/** The directions a phone call can have: what carriers price. */
export const PHONE_DIRECTIONS = ['inbound', 'outbound'] as const;

export const CALL_TYPES = ['production', 'campaign', 'studio_test', 'scheduled'] as const;
export type CallType = (typeof CALL_TYPES)[number];

export const PROVIDERS = ['twilio', 'plivo', 'exotel', 'vobiz', 'sip'] as const;
export type Provider = (typeof PROVIDERS)[number];
/** What carried a call session: one of the carriers, or `web` (a studio Web Call: the browser, no carrier). */
export const SESSION_PROVIDERS = [...PROVIDERS, 'web'] as const;
export type SessionProvider = (typeof SESSION_PROVIDERS)[number];

/** `data` of every `call.lifecycle` event: the whole call as the gateway knows it after this transition. */
export const callLifecycleDataSchema = z.object({
  session_id: z.string(),
  state: z.enum(CALL_STATES),
  direction: z.enum(CALL_DIRECTIONS),
  call_type: z.enum(CALL_TYPES),
  agent_id: z.string().nullable(),
  phone_number_id: z.string().nullable(),
  from_number: z.string(),
  to_number: z.string(),
  provider: z.enum(SESSION_PROVIDERS),
  provider_call_id: z.string().nullable(),
  sip_status: z.number().int().nullable(),
  end_reason: z.string().nullable(),
  /** The campaign that placed the call; absent on events written before campaigns existed. */
  campaign_id: z.string().nullable().optional(),
  started_at: z.string(),
  answered_at: z.string().nullable(),
  ended_at: z.string().nullable(),
});
export type CallLifecycleData = z.infer<typeof callLifecycleDataSchema>;

/** Event `type` for a lifecycle transition, e.g. `call.initiating`. */
export const lifecycleEventType = (state: CallState): string => `call.${state}`;

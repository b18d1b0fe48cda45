import { z } from 'zod';
import { voiceConfigSchema } from './api/agents';
import { CALL_TYPES } from './call';

/** `{{variable}}` values for the agent's prompt and greeting; a number or boolean is read as its text (`42` → `"42"`). */
const metadataContextSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({});

/**
 * What the dialer puts on an outbound call's agent dispatch (LiveKit dispatch and room metadata, or the sandbox
 * carrier's `sandbox.call_requested` command) and the voice agent runs: who to be, who it is calling, for how long,
 * and the prompt variables. The agent is a snapshot taken at dispatch, so later edits do not change a call in flight.
 */
export const outboundCallMetadataSchema = z.object({
  session_id: z.string().min(1),
  tenant_id: z.string().min(1),
  direction: z.literal('outbound'),
  call_type: z.enum(CALL_TYPES),
  from_number: z.string().min(1),
  to_number: z.string().min(1),
  max_duration_seconds: z.number().int().positive(),
  agent: z.object({ id: z.string().min(1), name: z.string(), system_prompt: z.string(), voice: voiceConfigSchema }),
  context: metadataContextSchema,
});
export type OutboundCallMetadata = z.infer<typeof outboundCallMetadataSchema>;

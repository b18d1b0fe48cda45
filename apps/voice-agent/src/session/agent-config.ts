import { outboundCallMetadataSchema, voiceConfigSchema, webCallMetadataSchema, type CallType, type VoiceConfig } from '@callplane/contracts';
import { SESSION_ATTRIBUTE } from '@callplane/livekit';
import { z } from 'zod';
import { renderTemplate } from './template';

/** What one call needs to run, whichever way it came in: who to be, what to say first, and for how long. */
export interface CallPlan {
  /** Known up front for outbound and web calls; for inbound, from the SIP participant's `callplane.session_id` attribute. */
  sessionId: string | null;
  tenantId: string;
  /** `web`: a studio Web Call, the browser as the caller (no phone numbers). */
  direction: 'outbound' | 'inbound' | 'web';
  callType: CallType | null;
  agent: { id: string; name: string };
  /** The system prompt with `{{variables}}` filled from `context`. */
  instructions: string;
  /** The first utterance, templated like the prompt. */
  greeting: string;
  voice: VoiceConfig;
  context: Record<string, string>;
  maxDurationSeconds: number;
  fromNumber: string | null;
  toNumber: string | null;
  /** Inbound only: the number that was called and its phone id. */
  phoneId: string | null;
}

/** Raised when the dispatch metadata is not something we can run: the job is refused, not half-run. */
export class CallPlanError extends Error {
  override readonly name = 'CallPlanError';
}

const DEFAULT_MAX_DURATION_SECONDS = 600;

// What provisioning puts on an inbound trunk's dispatch rule (libs/livekit `createInbound`).
const inboundMetadataSchema = z.object({ phone_id: z.string().min(1), tenant_id: z.string().min(1), number: z.string().min(1) });

/** The agent an inbound number is assigned to, as the worker looks it up when the call arrives. */
export interface InboundAgent {
  id: string;
  name: string;
  system_prompt: string;
  voice: VoiceConfig;
  /** The assignment's greeting override, if any (`assignPhoneSchema.greeting`). */
  greeting?: string | null;
  context?: Record<string, string>;
}

export type InboundAgentResolver = (ref: { phoneId: string; tenantId: string; number: string }) => Promise<InboundAgent | null>;

export interface PlanInputs {
  /** `JobContext.job.metadata`: a JSON string. */
  metadata: string;
  /** The SIP participant's attributes, once it has joined (inbound calls carry the session id there). */
  participantAttributes?: Readonly<Record<string, string>>;
  resolveInboundAgent?: InboundAgentResolver;
}

/**
 * Parses the job's dispatch metadata (outbound: OutboundCallMetadata; web: WebCallMetadata; inbound:
 * `{phone_id, tenant_id, number}`) into a CallPlan.
 */
export async function planCall(inputs: PlanInputs): Promise<CallPlan> {
  let raw: unknown;
  try {
    raw = JSON.parse(inputs.metadata);
  } catch {
    throw new CallPlanError('job metadata is not JSON');
  }
  const attrSessionId = inputs.participantAttributes?.[SESSION_ATTRIBUTE] || null;
  if (raw !== null && typeof raw === 'object' && (raw as { direction?: unknown }).direction === 'outbound') {
    const parsed = outboundCallMetadataSchema.safeParse(raw);
    if (!parsed.success) throw new CallPlanError(`outbound call metadata is invalid: ${describe(parsed.error)}`);
    const m = parsed.data;
    return build({
      sessionId: m.session_id,
      tenantId: m.tenant_id,
      direction: 'outbound',
      callType: m.call_type,
      agent: { id: m.agent.id, name: m.agent.name, system_prompt: m.agent.system_prompt, voice: m.agent.voice },
      context: m.context,
      maxDurationSeconds: m.max_duration_seconds,
      fromNumber: m.from_number,
      toNumber: m.to_number,
      phoneId: null,
    });
  }
  if (isWebCallMetadata(raw)) {
    const parsed = webCallMetadataSchema.safeParse(raw);
    if (!parsed.success) throw new CallPlanError(`web call metadata is invalid: ${describe(parsed.error)}`);
    const m = parsed.data;
    return build({
      sessionId: m.session_id,
      tenantId: m.tenant_id,
      direction: 'web',
      callType: m.call_type,
      agent: m.agent,
      context: m.context,
      maxDurationSeconds: m.max_duration_seconds,
      fromNumber: null,
      toNumber: null,
      phoneId: null,
    });
  }
  const parsed = inboundMetadataSchema.safeParse(raw);
  if (!parsed.success) throw new CallPlanError(`job metadata is neither an outbound call nor an inbound number: ${describe(parsed.error)}`);
  const ref = { phoneId: parsed.data.phone_id, tenantId: parsed.data.tenant_id, number: parsed.data.number };
  if (!inputs.resolveInboundAgent) throw new CallPlanError('inbound call but no agent resolver configured');
  const agent = await inputs.resolveInboundAgent(ref);
  if (!agent) throw new CallPlanError(`no agent is assigned to phone ${ref.phoneId}`);
  const voice = voiceConfigSchema.safeParse(agent.voice);
  if (!voice.success) throw new CallPlanError(`agent ${agent.id} has an invalid voice config: ${describe(voice.error)}`);
  const greetingOverride = agent.greeting?.trim();
  return build({
    sessionId: attrSessionId,
    tenantId: ref.tenantId,
    direction: 'inbound',
    callType: null,
    agent: { id: agent.id, name: agent.name, system_prompt: agent.system_prompt, voice: greetingOverride ? { ...voice.data, greeting: greetingOverride } : voice.data },
    context: agent.context ?? {},
    maxDurationSeconds: voice.data.max_duration ?? DEFAULT_MAX_DURATION_SECONDS,
    fromNumber: null,
    toNumber: ref.number,
    phoneId: ref.phoneId,
  });
}

/** Whether dispatch metadata (parsed JSON) is a web call's: the browser is the caller, no SIP participant comes. */
export function isWebCallMetadata(raw: unknown): raw is { direction: 'web'; session_id?: unknown } {
  return raw !== null && typeof raw === 'object' && (raw as { direction?: unknown }).direction === 'web';
}

function build(p: Omit<CallPlan, 'instructions' | 'greeting' | 'voice' | 'agent'> & { agent: { id: string; name: string; system_prompt: string; voice: VoiceConfig } }): CallPlan {
  const { agent, ...rest } = p;
  return {
    ...rest,
    agent: { id: agent.id, name: agent.name },
    voice: agent.voice,
    instructions: renderTemplate(agent.system_prompt, p.context),
    greeting: renderTemplate(agent.voice.greeting, p.context),
  };
}

function describe(err: z.ZodError): string {
  return err.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

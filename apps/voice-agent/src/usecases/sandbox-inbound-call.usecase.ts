import { END_REASONS, isOpen, openInboundSession } from '@callplane/calls';
import { E164_PATTERN, newId, voiceConfigSchema, type AfterHours } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { SESSION_ATTRIBUTE } from '@callplane/livekit';
import { AppError } from '@callplane/service-kit';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { planCall, type InboundAgentResolver } from '../session/agent-config';
import type { SandboxMediaPlane } from '../sandbox/sandbox-media-plane';

/** Where a simulated inbound call comes from when the request names no caller: a sandbox-range number. */
export const SANDBOX_CALLER_NUMBER = '+15550100099';

export const sandboxInboundCallSchema = z.object({
  to_number: z.string().regex(E164_PATTERN, 'an E.164 number, e.g. +14155550100'),
  from_number: z.string().regex(E164_PATTERN, 'an E.164 number, e.g. +14155550100').optional(),
});

export const sandboxInboundCallResultSchema = z.object({
  session_id: z.string(),
  tenant_id: z.string(),
  agent_id: z.string(),
  status: z.enum(['initiating', 'completed']),
  end_reason: z.string().nullable(),
});
export type SandboxInboundCallResult = z.infer<typeof sandboxInboundCallResultSchema>;

export interface SandboxInboundDeps {
  prisma: PrismaClient;
  outbox: { notify(): void };
  sandbox: Pick<SandboxMediaPlane, 'answerInbound'>;
  now(): Date;
}

/**
 * A simulated caller dials one of the tenants' numbers: the session is opened as the gateway opens an inbound
 * one (direction inbound, provider sip, `call.initiating`), or ended `after_hours` at once when the agent is
 * closed; an open call is then answered by the sandbox media plane, the caller played by the caller bot.
 */
export async function placeSandboxInboundCall(deps: SandboxInboundDeps, input: z.infer<typeof sandboxInboundCallSchema>): Promise<SandboxInboundCallResult> {
  const phone = await deps.prisma.phoneNumber.findFirst({
    where: { number: input.to_number, state: 'active' },
    orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
    select: { id: true, tenantId: true, number: true, enabled: true, greeting: true, agent: { select: { id: true, name: true, systemPrompt: true, voice: true, afterHours: true } } },
  });
  if (!phone) throw new AppError('not_found', `No active number ${input.to_number}.`);
  const agent = phone.agent;
  if (!agent || !phone.enabled) throw new AppError('conflict', `Number ${input.to_number} is ${agent ? 'disabled' : 'not assigned to an agent'}: it takes no calls.`);

  const at = deps.now();
  const open = isOpen((agent.afterHours as AfterHours | null) ?? null, at);
  const session = await deps.prisma.$transaction((tx) =>
    openInboundSession(tx, {
      id: newId('callSession'),
      tenantId: phone.tenantId,
      agentId: agent.id,
      phoneNumberId: phone.id,
      fromNumber: input.from_number ?? SANDBOX_CALLER_NUMBER,
      toNumber: phone.number,
      provider: 'sip',
      providerCallId: `sandbox-${randomUUID()}`,
      state: open ? 'initiating' : 'completed',
      endReason: open ? null : END_REASONS.afterHours,
      at,
    }),
  );
  deps.outbox.notify();
  const result: SandboxInboundCallResult = { session_id: session.id, tenant_id: phone.tenantId, agent_id: agent.id, status: open ? 'initiating' : 'completed', end_reason: session.endReason };
  if (!open) return result;

  // The same plan the LiveKit worker builds for an inbound job: dispatch metadata, the session id on the SIP participant.
  const resolve: InboundAgentResolver = async () => ({
    id: agent.id,
    name: agent.name,
    system_prompt: agent.systemPrompt,
    voice: voiceConfigSchema.parse(agent.voice),
    greeting: phone.greeting,
  });
  const plan = await planCall({
    metadata: JSON.stringify({ phone_id: phone.id, tenant_id: phone.tenantId, number: phone.number }),
    participantAttributes: { [SESSION_ATTRIBUTE]: session.id },
    resolveInboundAgent: resolve,
  });
  deps.sandbox.answerInbound({ ...plan, fromNumber: session.fromNumber }, session.id);
  return result;
}

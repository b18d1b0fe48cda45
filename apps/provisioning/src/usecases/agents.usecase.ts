import { newId, TOPICS, type AgentCreate, type AgentPatch, type ListQuery } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { afterCursor, decodeCursor, notFound, page } from '@callplane/service-kit';
import { presentAgent } from '../presenters';
import type { ProvisioningDeps } from './deps';
import { numberChangeData } from './number-events';

const withNumbers = { phoneNumbers: { select: { id: true }, orderBy: { createdAt: 'asc' as const } } };
const json = (v: unknown) => (v === null || v === undefined ? Prisma.DbNull : (v as Prisma.InputJsonValue));

export async function createAgent(deps: ProvisioningDeps, tenantId: string, input: AgentCreate) {
  const agent = await deps.prisma.agent.create({
    data: {
      id: newId('agent'),
      tenantId,
      name: input.name,
      systemPrompt: input.system_prompt,
      voice: input.voice,
      afterHours: json(input.after_hours),
      statusWebhookUrl: input.status_webhook_url ?? null,
    },
    include: withNumbers,
  });
  return presentAgent(agent);
}

export async function listAgents(deps: ProvisioningDeps, tenantId: string, q: ListQuery) {
  const rows = await deps.prisma.agent.findMany({
    where: { tenantId, ...afterCursor(decodeCursor(q.cursor)) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
    include: withNumbers,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.createdAt);
  return { data: items.map(presentAgent), next_cursor };
}

export async function getAgent(deps: ProvisioningDeps, tenantId: string, id: string) {
  const agent = await deps.prisma.agent.findFirst({ where: { id, tenantId }, include: withNumbers });
  if (!agent) throw notFound('The agent');
  return presentAgent(agent);
}

export async function updateAgent(deps: ProvisioningDeps, tenantId: string, id: string, patch: AgentPatch) {
  const res = await deps.prisma.agent.updateMany({
    where: { id, tenantId },
    data: {
      name: patch.name,
      systemPrompt: patch.system_prompt,
      voice: patch.voice,
      afterHours: patch.after_hours === undefined ? undefined : json(patch.after_hours),
      statusWebhookUrl: patch.status_webhook_url,
    },
  });
  if (res.count === 0) throw notFound('The agent');
  return getAgent(deps, tenantId, id);
}

/** Deleting an agent frees its numbers; each freed number is announced so routing caches drop it. */
export async function deleteAgent(deps: ProvisioningDeps, tenantId: string, id: string): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id, tenantId }, include: { phoneNumbers: true } });
    if (!agent) throw notFound('The agent');
    for (const p of agent.phoneNumbers) {
      await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.unassigned', tenantId, key: p.id, data: numberChangeData({ ...p, agentId: null }) });
    }
    // The greeting belonged to this agent: a freed number must not greet with it for the next one.
    await tx.phoneNumber.updateMany({ where: { agentId: id }, data: { agentId: null, greeting: null } });
    await tx.agent.delete({ where: { id } });
  });
  deps.outbox.notify();
}

import { newId, parseCallerNumber, toE164, TOPICS, type AssignPhone, type ByoNumberCreate, type ListQuery } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { byoManualSteps, byoPlanner, carrierOf } from '@callplane/providers';
import { afterCursor, AppError, decodeCursor, notFound, page, secretHint, type Logger } from '@callplane/service-kit';
import { presentPhoneNumber } from '../presenters';
import type { ProvisioningDeps } from './deps';
import { numberChangeData } from './number-events';
import { importContext, runPlan } from './number-plan';
import { releaseImported } from './release-number.usecase';
import { newSipAuth } from './sip-credentials';
import { markBindingReleased } from './sticky-bindings.repository';

/**
 * A number from any SIP/voice provider (`provider: "sip"`): the customer points the provider's voice
 * webhook at our URL. With a signing secret (the provider's auth token), unsigned webhooks are refused.
 * With LiveKit configured, the number gets its LiveKit inbound trunk (with SIP credentials of its own, which the
 * gateway's TwiML presents) and dispatch rule, recorded like an import's steps so a delete removes them.
 */
export async function addByoNumber(deps: ProvisioningDeps, log: Logger, tenantId: string, input: ByoNumberCreate) {
  const number = toE164(input.number);
  if (!number) {
    // The sandbox's numbers are fictional: no provider can send their calls here, so they are not numbers to add.
    // Each tenant is given its own sandbox number instead (sandbox-numbers.usecase).
    if (parseCallerNumber(input.number)) {
      throw new AppError('validation_failed', `${input.number.trim()} is a sandbox number, which no provider can route: in the sandbox every tenant already has one to call from (GET /voice/phone-numbers).`, {
        details: [{ field: 'number', message: 'a sandbox number, not a number from a provider' }],
      });
    }
    throw new AppError('validation_failed', 'number is not a valid phone number: send it in E.164 form, such as +14155551234.', {
      details: [{ field: 'number', message: 'not a valid phone number' }],
    });
  }
  const id = newId('phoneNumber');
  const manualSteps = byoManualSteps({ publicBaseUrl: deps.publicBaseUrl, phoneId: id });
  const sipAuth = deps.livekit ? newSipAuth() : null;
  const row = {
    id,
    tenantId,
    number,
    provider: 'sip',
    byok: false,
    signingSecretEnc: input.signing_secret ? deps.secrets.seal(input.signing_secret) : null,
    credentialHint: input.signing_secret ? secretHint(input.signing_secret) : null,
    sipAuthEnc: sipAuth ? deps.secrets.seal(JSON.stringify(sipAuth)) : null,
    inboundConfigured: false,
    inboundManualSteps: manualSteps,
    outboundEnabled: false,
  };
  try {
    if (!deps.livekit || !sipAuth) {
      // No LiveKit (the sandbox): nothing to set up beyond the row.
      const created = await deps.prisma.$transaction(async (tx) => {
        const p = await tx.phoneNumber.create({ data: row });
        await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.imported', tenantId, key: p.id, data: numberChangeData(p) });
        return p;
      });
      deps.outbox.notify();
      return presentPhoneNumber(created, deps.publicBaseUrl);
    }
    await deps.prisma.phoneNumber.create({ data: { ...row, state: 'importing' } });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002') {
      throw new AppError('number_already_exists', `${number} is already registered on Callplane. Delete it there first, or contact support if it isn't yours.`);
    }
    throw err;
  }
  const ctx = importContext(deps, deps.livekit, { id, tenantId, number, providerNumberId: '', stickyBinding: false }, sipAuth);
  await runPlan(deps, log, id, 'sip', byoPlanner.plan(null, ctx));
  const created = await deps.prisma.$transaction(async (tx) => {
    const p = await tx.phoneNumber.update({ where: { id }, data: { state: 'active' } });
    await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.imported', tenantId, key: p.id, data: numberChangeData(p) });
    return p;
  });
  deps.outbox.notify();
  return presentPhoneNumber(created, deps.publicBaseUrl);
}

export async function listPhoneNumbers(deps: ProvisioningDeps, tenantId: string, q: ListQuery) {
  const rows = await deps.prisma.phoneNumber.findMany({
    where: { tenantId, ...afterCursor(decodeCursor(q.cursor)) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.createdAt);
  return { data: items.map((p) => presentPhoneNumber(p, deps.publicBaseUrl)), next_cursor };
}

export async function getPhoneNumber(deps: ProvisioningDeps, tenantId: string, id: string) {
  const p = await deps.prisma.phoneNumber.findFirst({ where: { id, tenantId } });
  if (!p) throw notFound('The phone number');
  return presentPhoneNumber(p, deps.publicBaseUrl);
}

/**
 * Release: an imported number's provider and LiveKit resources are removed first, newest first (inbound routing at
 * the carrier, then LiveKit's rule and trunks, then the carrier's trunks and credentials); the row goes last, so a
 * teardown that stops half-way is still recorded and a second DELETE carries on.
 */
export async function deletePhoneNumber(deps: ProvisioningDeps, log: Logger, tenantId: string, id: string): Promise<void> {
  const found = await deps.prisma.phoneNumber.findFirst({ where: { id, tenantId } });
  if (!found) throw notFound('The phone number');
  await releaseImported(deps, log, found);
  await deps.prisma.$transaction(async (tx) => {
    const deleted = await tx.phoneNumber.deleteMany({ where: { id, tenantId } });
    if (deleted.count === 0) return; // a concurrent DELETE finished first
    // The carrier still holds the number on our trunk: it stays remembered, as released.
    if (found.lockedReason && carrierOf(found.provider)?.stickyBinding) await markBindingReleased(tx, found.number);
    await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.released', tenantId, key: found.id, data: numberChangeData(found) });
  });
  deps.outbox.notify();
}

/** Deploy to phone: the number answers with this agent. A number serves one agent at a time. */
export async function assignPhone(deps: ProvisioningDeps, tenantId: string, agentId: string, input: AssignPhone) {
  const updated = await deps.prisma.$transaction(async (tx) => {
    const agent = await tx.agent.findFirst({ where: { id: agentId, tenantId }, select: { id: true } });
    if (!agent) throw notFound('The agent');
    // Lock the number row so two concurrent assignments cannot both pass the check below.
    const locked = await tx.$queryRaw<Array<{ agent_id: string | null; state: string }>>`SELECT agent_id, state FROM phone_numbers WHERE id = ${input.phone_id} AND tenant_id = ${tenantId} FOR UPDATE`;
    const current = locked[0];
    if (!current) throw notFound('The phone number');
    if (current.state !== 'active') {
      throw new AppError('number_not_active', `This number is ${current.state.replace('_', ' ')}: wait for the import to finish, or delete it and import it again, before assigning it.`);
    }
    if (current.agent_id && current.agent_id !== agentId) {
      throw new AppError('number_assigned_elsewhere', `This number already serves agent ${current.agent_id}. Unassign it there first.`);
    }
    const p = await tx.phoneNumber.update({
      where: { id: input.phone_id },
      data: { agentId, enabled: input.enabled, ...(input.greeting !== undefined ? { greeting: input.greeting } : {}) },
    });
    await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.assigned', tenantId, key: p.id, data: numberChangeData(p) });
    return p;
  });
  deps.outbox.notify();
  return presentPhoneNumber(updated, deps.publicBaseUrl);
}

export async function unassignPhone(deps: ProvisioningDeps, tenantId: string, agentId: string, phoneId: string): Promise<void> {
  await deps.prisma.$transaction(async (tx) => {
    const res = await tx.phoneNumber.updateMany({ where: { id: phoneId, tenantId, agentId }, data: { agentId: null, greeting: null } });
    if (res.count === 0) throw notFound('An assignment of this number to this agent');
    const p = await tx.phoneNumber.findUniqueOrThrow({ where: { id: phoneId } });
    await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.unassigned', tenantId, key: p.id, data: numberChangeData(p) });
  });
  deps.outbox.notify();
}

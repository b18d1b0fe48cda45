import { byokImportCredentialsSchemas, newId, toE164, TOPICS, type ByokProviderName } from '@callplane/contracts';
import { Prisma } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { carrierOf, ProviderError, type NumberImporter } from '@callplane/providers';
import { AppError, fieldIssues, secretHint, type Logger } from '@callplane/service-kit';
import type { z } from 'zod';
import { presentPhoneNumber } from '../presenters';
import { providerAppError, providerFailure } from './byok-available.usecase';
import type { ProvisioningDeps } from './deps';
import { numberChangeData } from './number-events';
import { describeError, importContext, requireLiveKit, runPlan } from './number-plan';
import { newSipAuth } from './sip-credentials';
import { isBindingRemembered, rememberBinding } from './sticky-bindings.repository';

type ImportCredentials = { [P in ByokProviderName]: z.infer<(typeof byokImportCredentialsSchemas)[P]> };

/**
 * BYOK import (API.md `POST /voice/phone-numbers/byok/{provider}/import`): checks that change nothing, then a row
 * in `importing` state holding the sealed credentials, then the provider's steps, each journaled on the row. A
 * failed step undoes the earlier ones; what cannot be undone leaves the number `needs_attention` with the reason.
 */
export async function importNumber(deps: ProvisioningDeps, log: Logger, tenantId: string, provider: ByokProviderName, body: { credentials: unknown; number: string }) {
  const parsed = byokImportCredentialsSchemas[provider].safeParse(body.credentials);
  if (!parsed.success) {
    throw new AppError('validation_failed', `The ${provider} credentials are incomplete or malformed. See details.`, { details: fieldIssues(parsed.error, 'credentials') });
  }
  const credentials = parsed.data as ImportCredentials[typeof provider];
  const number = toE164(body.number);
  if (!number) {
    throw new AppError('validation_failed', 'number is not a valid phone number: send it in E.164 form, such as +14155551234.', {
      details: [{ field: 'number', message: 'not a valid phone number' }],
    });
  }
  const livekit = requireLiveKit(deps);
  await assertNotRegistered(deps, tenantId, number);

  const importer = deps.importers[provider] as NumberImporter<typeof credentials>;
  const preflight = await importer.preflight(credentials, number).catch(providerFailure);
  // The carrier would keep this number bound to our trunk: one we bound before is still bound there.
  const sticky = preflight.stickyBinding ? carrierOf(provider)?.stickyBinding : undefined;
  if (sticky && (await isBindingRemembered(deps.prisma, number))) {
    throw providerAppError(new ProviderError(sticky.refusal.code, sticky.refusal.message));
  }

  const id = newId('phoneNumber');
  const sipAuth = newSipAuth();
  try {
    await deps.prisma.phoneNumber.create({
      data: {
        id,
        tenantId,
        number,
        provider,
        byok: true,
        state: 'importing',
        providerNumberId: preflight.providerNumberId,
        credentialsEnc: deps.secrets.seal(JSON.stringify(credentials)),
        credentialHint: secretHint(String((credentials as Record<string, unknown>)[importer.secretField] ?? '')),
        sipAuthEnc: deps.secrets.seal(JSON.stringify(sipAuth)),
        inboundConfigured: false,
        outboundEnabled: false,
      },
    });
  } catch (err) {
    if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    // Another request registered the number between our check and this insert.
    await assertNotRegistered(deps, tenantId, number);
    throw importInProgress(number);
  }

  const ctx = importContext(deps, livekit, { id, tenantId, number, providerNumberId: preflight.providerNumberId, stickyBinding: preflight.stickyBinding ?? false }, sipAuth);
  const plan = importer.plan(credentials, ctx);
  const run = await runPlan(deps, log, id, provider, plan);
  for (const s of run.skipped) log.warn({ phone_id: id, provider, step: s.name, err: describeError(s.error) }, 'best-effort import step failed; the number shows manual steps');

  const configured = plan.inbound.automatic && run.skipped.length === 0;
  const imported = await deps.prisma.$transaction(async (tx) => {
    const p = await tx.phoneNumber.update({
      where: { id },
      data: {
        state: 'active',
        inboundConfigured: configured,
        inboundManualSteps: configured ? null : plan.inbound.manualSteps,
        outboundEnabled: run.records.some((r) => r.name === 'livekit.outbound'),
        lockedReason: plan.lockedReason ?? null,
        deleteWarning: plan.deleteWarning ?? null,
      },
    });
    if (sticky) await rememberBinding(tx, number, tenantId);
    await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.imported', tenantId, key: id, data: numberChangeData(p) });
    return p;
  });
  deps.outbox.notify();
  return presentPhoneNumber(imported, deps.publicBaseUrl);
}

async function assertNotRegistered(deps: ProvisioningDeps, tenantId: string, number: string): Promise<void> {
  const existing = await deps.prisma.phoneNumber.findUnique({ where: { number }, select: { tenantId: true, state: true } });
  if (!existing) return;
  if (existing.tenantId === tenantId && existing.state === 'importing') throw importInProgress(number);
  throw new AppError('number_already_exists', `${number} is already registered on Callplane. Delete it there first, or contact support if it isn't yours.`);
}

const importInProgress = (number: string) =>
  new AppError('import_in_progress', `${number} is being imported right now. Retry in a few seconds.`, { status: 409, retryable: true });

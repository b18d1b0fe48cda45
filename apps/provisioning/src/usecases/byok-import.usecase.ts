import { randomBytes, randomInt } from 'node:crypto';
import { byokImportCredentialsSchemas, newId, toE164, TOPICS, type ByokProviderName } from '@callplane/contracts';
import { Prisma, type PhoneNumber } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { LiveKitError, type LiveKitSip, type SipAuth } from '@callplane/livekit';
import {
  ImportStepFailed,
  livekitInboundStep,
  ProviderError,
  runImport,
  type ImportRun,
  undoSteps,
  type ImportContext,
  type ImportPlan,
  type NumberImporter,
  type StepRecord,
} from '@callplane/providers';
import { AppError, fieldIssues, notFound, secretHint, type Logger } from '@callplane/service-kit';
import type { z } from 'zod';
import { presentPhoneNumber } from '../presenters';
import { providerAppError, providerFailure } from './byok-available.usecase';
import type { ProvisioningDeps } from './deps';
import { numberChangeData } from './number-events';

export type ByokImporters = { [P in ByokProviderName]: NumberImporter<never> };
type ImportCredentials = { [P in ByokProviderName]: z.infer<(typeof byokImportCredentialsSchemas)[P]> };

/** LiveKit as provisioning uses it: the SIP API, and the host carriers send calls to. */
export interface ImportLiveKit {
  sip: LiveKitSip;
  sipHost: string;
}

/** An import still running after this long was interrupted (a crash, a deploy): DELETE may clean it up. */
const STALE_IMPORT_MS = 5 * 60_000;

const INDIA_REMEMBERED_MESSAGE =
  'This Indian local number was bound to a Plivo Zentrunk trunk through Callplane before, and Plivo keeps that binding: ' +
  'release it and re-purchase it on Plivo, or ask Plivo support to clear the trunk binding, then import it again.';

/** The secret part of each provider's credentials, for the `credential_hint`. */
const SECRET_FIELD: { [P in ByokProviderName]: string } = { twilio: 'auth_token', plivo: 'auth_token', exotel: 'api_token', vobiz: 'password' };

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
  if (provider === 'plivo' && preflight.indiaLocal) {
    const remembered = await deps.prisma.plivoIndiaBinding.findUnique({ where: { number } });
    if (remembered) throw new AppError('plivo_india_number_locked', INDIA_REMEMBERED_MESSAGE, { status: 409 });
  }

  const id = newId('phoneNumber');
  const sipAuth: SipAuth = { username: `cp${randomBytes(6).toString('hex')}`, password: newSipPassword() };
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
        credentialHint: secretHint(String((credentials as Record<string, unknown>)[SECRET_FIELD[provider]] ?? '')),
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

  const ctx = importContext(deps, livekit, { id, tenantId, number, providerNumberId: preflight.providerNumberId, indiaLocal: preflight.indiaLocal ?? false }, sipAuth);
  const plan = importer.plan(credentials, ctx);
  const run = await runPlan(deps, log, id, provider, plan);
  for (const s of run.skipped) log.warn({ phone_id: id, provider, step: s.name, err: describe(s.error) }, 'best-effort import step failed; the number shows manual steps');

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
    if (provider === 'plivo' && preflight.indiaLocal) {
      await tx.plivoIndiaBinding.upsert({ where: { number }, create: { number, lastTenantId: tenantId }, update: { lastTenantId: tenantId, releasedAt: null } });
    }
    await enqueueEvent(tx, { topic: TOPICS.numbersChanges, type: 'number.imported', tenantId, key: id, data: numberChangeData(p) });
    return p;
  });
  deps.outbox.notify();
  return presentPhoneNumber(imported, deps.publicBaseUrl);
}

/**
 * Runs a number's setup plan, journaling each step on its row. A failed step undoes the ones before it and the row
 * goes; what cannot be undone leaves the row `needs_attention` with the reason. Either way the caller gets the API
 * error to answer with.
 */
export async function runPlan(deps: ProvisioningDeps, log: Logger, id: string, provider: string, plan: ImportPlan): Promise<ImportRun> {
  const journal = journalTo(deps, id);
  try {
    return await runImport(plan, journal);
  } catch (err) {
    if (!(err instanceof ImportStepFailed)) throw err; // the journal could not be written: the row says `importing`
    log.warn({ phone_id: id, provider, step: err.step, err: describe(err.cause) }, 'import step failed; undoing the steps before it');
    const undone = await undoSteps(plan, err.records, journal);
    if (undone.remaining.length === 0) {
      await deps.prisma.phoneNumber.delete({ where: { id } });
      throw importFailure(err, 'Nothing was left configured: fix the cause and import again.');
    }
    const reason = attentionReason('import', undone.failure!.step, undone.failure!.error, undone.remaining);
    log.error({ phone_id: id, provider, step: undone.failure!.step, err: describe(undone.failure!.error) }, 'import could not be undone; number needs attention');
    await deps.prisma.phoneNumber.update({ where: { id }, data: { state: 'needs_attention', attentionReason: reason } });
    throw importFailure(err, `Callplane could not remove everything it created, so number ${id} is marked needs_attention: delete it to finish the cleanup.`, { phone_id: id, state: 'needs_attention' });
  }
}

/**
 * A bring-your-own number's LiveKit side: an inbound trunk for the number, authenticated with SIP credentials of
 * its own (the gateway's TwiML presents them), and the dispatch rule that sends the agent.
 */
export function byoPlan(ctx: ImportContext, manualSteps: string): ImportPlan {
  return { steps: [livekitInboundStep(ctx, { auth: ctx.sipAuth })], inbound: { automatic: false, manualSteps } };
}

/**
 * Releases what an import created (newest first), then forgets the number. A step that cannot be undone keeps the
 * number, marked `needs_attention`, with the steps still in place: deleting again carries on from there.
 */
export async function releaseImported(deps: ProvisioningDeps, log: Logger, p: PhoneNumber): Promise<void> {
  const records = p.importSteps as unknown as StepRecord[];
  if (p.state === 'importing' && Date.now() - p.updatedAt.getTime() < STALE_IMPORT_MS) {
    throw new AppError('import_in_progress', 'This number is still being imported. Retry the delete once the import has finished.', { status: 409, retryable: true });
  }
  if (records.length === 0) return;
  const { plan } = rebuildPlan(deps, p);
  const undone = await undoSteps(plan, records, journalTo(deps, p.id));
  if (undone.remaining.length > 0) {
    const reason = attentionReason('release', undone.failure!.step, undone.failure!.error, undone.remaining);
    log.error({ phone_id: p.id, provider: p.provider, step: undone.failure!.step, err: describe(undone.failure!.error) }, 'release could not finish; number needs attention');
    await deps.prisma.phoneNumber.update({ where: { id: p.id }, data: { state: 'needs_attention', attentionReason: reason } });
    const retryable = isRetryable(undone.failure!.error);
    throw new AppError(retryable ? 'provider_unavailable' : 'release_incomplete', `${reason} Delete the number again to retry.`, {
      status: 502,
      retryable,
      details: { phone_id: p.id, state: 'needs_attention' },
    });
  }
}

/** `POST /voice/exotel/byok/configure-inbound/{phone_id}`: points the ExoPhone at us again; safe to repeat. */
export async function configureExotelInbound(deps: ProvisioningDeps, log: Logger, tenantId: string, phoneId: string) {
  const p = await deps.prisma.phoneNumber.findFirst({ where: { id: phoneId, tenantId } });
  if (!p || p.provider !== 'exotel' || !p.byok) throw notFound('The Exotel number');
  if (p.state !== 'active') {
    throw new AppError('number_not_active', `This number is ${p.state.replace('_', ' ')}: finish or delete the import first.`, { status: 409 });
  }
  const { plan, credentials, ctx, importer } = rebuildPlan(deps, p);
  try {
    await importer!.configureInbound!(credentials, ctx);
  } catch (err) {
    if (!(err instanceof ProviderError)) throw err;
    log.warn({ phone_id: p.id, err: describe(err) }, 'Exotel inbound configuration failed; manual steps shown');
    await deps.prisma.phoneNumber.update({ where: { id: p.id }, data: { inboundConfigured: false, inboundManualSteps: plan.inbound.manualSteps } });
    return { configured: false, manual_steps: plan.inbound.manualSteps };
  }
  await deps.prisma.phoneNumber.update({ where: { id: p.id }, data: { inboundConfigured: true, inboundManualSteps: null } });
  return { configured: true };
}

function rebuildPlan(deps: ProvisioningDeps, p: PhoneNumber) {
  const livekit = requireLiveKit(deps);
  if (p.provider === 'sip') {
    const sipAuth = JSON.parse(deps.secrets.open(p.sipAuthEnc!)) as SipAuth;
    const ctx = importContext(deps, livekit, { id: p.id, tenantId: p.tenantId, number: p.number, providerNumberId: '', indiaLocal: false }, sipAuth);
    return { plan: byoPlan(ctx, p.inboundManualSteps ?? ''), credentials: null, ctx, importer: null };
  }
  const provider = p.provider as ByokProviderName;
  const importer = deps.importers[provider] as NumberImporter<unknown>;
  const credentials: unknown = JSON.parse(deps.secrets.open(p.credentialsEnc!));
  const sipAuth = JSON.parse(deps.secrets.open(p.sipAuthEnc!)) as SipAuth;
  const ctx = importContext(deps, livekit, { id: p.id, tenantId: p.tenantId, number: p.number, providerNumberId: p.providerNumberId ?? '', indiaLocal: p.lockedReason !== null }, sipAuth);
  return { plan: importer.plan(credentials, ctx) as ImportPlan, credentials, ctx, importer };
}

export function importContext(
  deps: ProvisioningDeps,
  livekit: ImportLiveKit,
  n: { id: string; tenantId: string; number: string; providerNumberId: string; indiaLocal: boolean },
  sipAuth: SipAuth,
): ImportContext {
  return {
    phoneId: n.id,
    tenantId: n.tenantId,
    number: n.number,
    preflight: { providerNumberId: n.providerNumberId, indiaLocal: n.indiaLocal },
    publicBaseUrl: deps.publicBaseUrl,
    livekitSipHost: livekit.sipHost,
    sipAuth,
    livekit: livekit.sip,
    label: `callplane-${n.id}`,
  };
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';

/**
 * 32 letters and digits with each class present: carriers' SIP credential rules (Twilio: at least 12 characters with
 * upper case, lower case and a digit) accept it, and no SIP URI or XML attribute needs escaping for it.
 */
export function newSipPassword(length = 32): string {
  const all = UPPER + LOWER + DIGITS;
  const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)]!;
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), ...Array.from({ length: length - 3 }, () => pick(all))];
  // Fisher-Yates, so the guaranteed classes are not always in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

function journalTo(deps: ProvisioningDeps, id: string) {
  return async (records: StepRecord[]) => {
    await deps.prisma.phoneNumber.update({ where: { id }, data: { importSteps: records as unknown as Prisma.InputJsonValue } });
  };
}

export function requireLiveKit(deps: ProvisioningDeps): ImportLiveKit {
  if (!deps.livekit) {
    throw new AppError('livekit_not_configured', 'Importing numbers needs LiveKit: the operator must set LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET and LIVEKIT_SIP_HOST.', { status: 503 });
  }
  return deps.livekit;
}

async function assertNotRegistered(deps: ProvisioningDeps, tenantId: string, number: string): Promise<void> {
  const existing = await deps.prisma.phoneNumber.findUnique({ where: { number }, select: { tenantId: true, state: true } });
  if (!existing) return;
  if (existing.tenantId === tenantId && existing.state === 'importing') throw importInProgress(number);
  throw new AppError('number_already_exists', `${number} is already registered on Callplane. Delete it there first, or contact support if it isn't yours.`);
}

const importInProgress = (number: string) =>
  new AppError('import_in_progress', `${number} is being imported right now. Retry in a few seconds.`, { status: 409, retryable: true });

function importFailure(err: ImportStepFailed, outcome: string, details?: Record<string, string>): AppError {
  const cause = err.cause;
  if (cause instanceof ProviderError) {
    return providerAppError(cause, { message: `${cause.message.replace(/\.?$/, '.')} ${outcome}`, details: { step: err.step, ...details } });
  }
  if (cause instanceof LiveKitError) {
    return new AppError(cause.retryable ? 'livekit_unavailable' : 'livekit_rejected', `${cause.message.replace(/\.?$/, '.')} ${outcome}`, {
      status: 502,
      retryable: cause.retryable,
      details: { step: err.step, ...details },
    });
  }
  return new AppError('import_failed', `Import step ${err.step} failed unexpectedly. ${outcome}`, { status: 500, details: { step: err.step, ...details } });
}

function attentionReason(phase: 'import' | 'release', step: string, error: unknown, remaining: StepRecord[]): string {
  const left = remaining.map((r) => r.name).join(', ');
  return `The ${phase} stopped because ${step} could not be removed (${describe(error)}); still in place: ${left}.`;
}

function isRetryable(err: unknown): boolean {
  return (err instanceof ProviderError || err instanceof LiveKitError) && err.retryable;
}

/** Messages of our own error types are written without secrets; anything else is named by its type only. */
function describe(err: unknown): string {
  if (err instanceof ProviderError || err instanceof LiveKitError) return err.message;
  return err instanceof Error ? err.name : 'unknown error';
}

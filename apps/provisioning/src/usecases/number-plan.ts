import type { Provider } from '@callplane/contracts';
import type { PhoneNumber, Prisma } from '@callplane/db';
import { LiveKitError, type SipAuth } from '@callplane/livekit';
import {
  ImportStepFailed,
  numberPlanners,
  ProviderError,
  runImport,
  undoSteps,
  type ImportContext,
  type ImportPlan,
  type ImportRun,
  type NumberPlanner,
  type StepRecord,
} from '@callplane/providers';
import { AppError, type Logger } from '@callplane/service-kit';
import { providerAppError } from './byok-available.usecase';
import type { ImportLiveKit, ProvisioningDeps } from './deps';

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
    log.warn({ phone_id: id, provider, step: err.step, err: describeError(err.cause) }, 'import step failed; undoing the steps before it');
    const undone = await undoSteps(plan, err.records, journal);
    if (undone.remaining.length === 0) {
      await deps.prisma.phoneNumber.delete({ where: { id } });
      throw importFailure(err, 'Nothing was left configured: fix the cause and import again.');
    }
    const reason = attentionReason('import', undone.failure!.step, undone.failure!.error, undone.remaining);
    log.error({ phone_id: id, provider, step: undone.failure!.step, err: describeError(undone.failure!.error) }, 'import could not be undone; number needs attention');
    await deps.prisma.phoneNumber.update({ where: { id }, data: { state: 'needs_attention', attentionReason: reason } });
    throw importFailure(err, `Callplane could not remove everything it created, so number ${id} is marked needs_attention: delete it to finish the cleanup.`, { phone_id: id, state: 'needs_attention' });
  }
}

/**
 * A stored number's plan, rebuilt from its row by its carrier's planner (a BYOK carrier's importer, or the
 * bring-your-own plan): to undo its recorded steps by name, or to repeat one.
 */
export function rebuildPlan(deps: ProvisioningDeps, p: PhoneNumber): { plan: ImportPlan; credentials: unknown; ctx: ImportContext } {
  const livekit = requireLiveKit(deps);
  const planner = numberPlanners(deps.importers)[p.provider as Provider] as NumberPlanner<unknown>;
  // A bring-your-own number was added without credentials of the customer's.
  const credentials: unknown = p.credentialsEnc ? JSON.parse(deps.secrets.open(p.credentialsEnc)) : null;
  const sipAuth = JSON.parse(deps.secrets.open(p.sipAuthEnc!)) as SipAuth;
  // Only a number under a sticky binding was given a locked reason at import.
  const stored = { id: p.id, tenantId: p.tenantId, number: p.number, providerNumberId: p.providerNumberId ?? '', stickyBinding: p.lockedReason !== null };
  const ctx = importContext(deps, livekit, stored, sipAuth);
  return { plan: planner.plan(credentials, ctx), credentials, ctx };
}

export function importContext(
  deps: ProvisioningDeps,
  livekit: ImportLiveKit,
  n: { id: string; tenantId: string; number: string; providerNumberId: string; stickyBinding: boolean },
  sipAuth: SipAuth,
): ImportContext {
  return {
    phoneId: n.id,
    tenantId: n.tenantId,
    number: n.number,
    preflight: { providerNumberId: n.providerNumberId, stickyBinding: n.stickyBinding },
    publicBaseUrl: deps.publicBaseUrl,
    livekitSipHost: livekit.sipHost,
    sipAuth,
    livekit: livekit.sip,
    label: `callplane-${n.id}`,
  };
}

/** Where the runner records a number's steps: on its row, after every step. */
export function journalTo(deps: ProvisioningDeps, id: string) {
  return async (records: StepRecord[]) => {
    await deps.prisma.phoneNumber.update({ where: { id }, data: { importSteps: records as unknown as Prisma.InputJsonValue } });
  };
}

export function requireLiveKit(deps: ProvisioningDeps): ImportLiveKit {
  if (!deps.livekit) {
    // 409 like every other refusal for want of LiveKit (API.md): it is the platform's setup, and retrying changes nothing.
    throw new AppError('livekit_not_configured', 'Importing numbers needs LiveKit: the operator must set LIVEKIT_URL, LIVEKIT_API_KEY, LIVEKIT_API_SECRET and LIVEKIT_SIP_HOST.');
  }
  return deps.livekit;
}

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

/** The number's `attention.reason`: which step stopped the teardown, and what is still in place. */
export function attentionReason(phase: 'import' | 'release', step: string, error: unknown, remaining: StepRecord[]): string {
  const left = remaining.map((r) => r.name).join(', ');
  return `The ${phase} stopped because ${step} could not be removed (${describeError(error)}); still in place: ${left}.`;
}

/** Messages of our own error types are written without secrets; anything else is named by its type only. */
export function describeError(err: unknown): string {
  if (err instanceof ProviderError || err instanceof LiveKitError) return err.message;
  return err instanceof Error ? err.name : 'unknown error';
}

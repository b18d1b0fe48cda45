import type { PhoneNumber } from '@callplane/db';
import { LiveKitError } from '@callplane/livekit';
import { ProviderError, undoSteps, type StepRecord } from '@callplane/providers';
import { AppError, type Logger } from '@callplane/service-kit';
import type { ProvisioningDeps } from './deps';
import { attentionReason, describeError, journalTo, rebuildPlan } from './number-plan';

/** An import still running after this long was interrupted (a crash, a deploy): DELETE may clean it up. */
const STALE_IMPORT_MS = 5 * 60_000;

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
    log.error({ phone_id: p.id, provider: p.provider, step: undone.failure!.step, err: describeError(undone.failure!.error) }, 'release could not finish; number needs attention');
    await deps.prisma.phoneNumber.update({ where: { id: p.id }, data: { state: 'needs_attention', attentionReason: reason } });
    const retryable = isRetryable(undone.failure!.error);
    throw new AppError(retryable ? 'provider_unavailable' : 'release_incomplete', `${reason} Delete the number again to retry.`, {
      status: 502,
      retryable,
      details: { phone_id: p.id, state: 'needs_attention' },
    });
  }
}

function isRetryable(err: unknown): boolean {
  return (err instanceof ProviderError || err instanceof LiveKitError) && err.retryable;
}

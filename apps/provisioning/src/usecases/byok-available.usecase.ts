import { byokCredentialsSchemas, type ByokProviderName } from '@callplane/contracts';
import { ProviderError, type ByokAdapters, type ProviderAdapter } from '@callplane/providers';
import { AppError, fieldIssues } from '@callplane/service-kit';

/** API.md's import errors: which HTTP status each provider failure answers with. */
const STATUS: Record<ProviderError['code'], number> = {
  invalid_credentials: 422,
  plivo_subaccount_credentials: 422,
  plivo_zentrunk_required: 422,
  plivo_india_number_locked: 409,
  provider_rejected: 422,
  provider_unavailable: 502,
};

/** A provider failure as the API answers it; `message` and `details` may add what happened on our side. */
export function providerAppError(err: ProviderError, extra: { message?: string; details?: Record<string, unknown> } = {}): AppError {
  const details = { ...(err.opts.providerStatus ? { provider_status: err.opts.providerStatus } : {}), ...extra.details };
  return new AppError(err.code, extra.message ?? err.message, { status: STATUS[err.code], retryable: err.retryable, ...(Object.keys(details).length ? { details } : {}) });
}

export function providerFailure(err: unknown): never {
  if (err instanceof ProviderError) throw providerAppError(err);
  throw err;
}

/** Numbers on the customer's own provider account, checked with their credentials; nothing is stored. */
export async function listAvailableNumbers(adapters: ByokAdapters, provider: ByokProviderName, credentials: unknown) {
  const parsed = byokCredentialsSchemas[provider].safeParse(credentials);
  if (!parsed.success) {
    throw new AppError('validation_failed', `The ${provider} credentials are incomplete or malformed. See details.`, { details: fieldIssues(parsed.error, 'credentials') });
  }
  const adapter = adapters[provider] as ProviderAdapter<typeof parsed.data>;
  // Validate first: a plan that can't import (e.g. Plivo without Zentrunk) is better said before a list.
  await adapter.validateCredentials(parsed.data).catch(providerFailure);
  const numbers = await adapter.listNumbers(parsed.data).catch(providerFailure);
  return {
    data: numbers.map((n) => ({ number: n.number, friendly_name: n.friendlyName, importable: n.importable, ...(n.reason ? { reason: n.reason } : {}) })),
  };
}

import axios from 'axios';
import { ProviderError } from './provider-adapter';

/**
 * An axios failure from a provider's REST API in API.md's codes. The axios error itself is never kept as
 * `cause`: its config carries the credentials, and errors get logged.
 * 401/403 → invalid_credentials; 5xx and 429 (rate limits clear by waiting) and no answer → provider_unavailable;
 * other 4xx → provider_rejected with the provider's own message.
 */
export function httpProviderError(
  vendor: string,
  err: unknown,
  opts: { credentials: string; messageOf(data: unknown): string | undefined },
): ProviderError {
  if (!axios.isAxiosError(err)) return new ProviderError('provider_unavailable', `${vendor} request failed: ${String(err)}`);
  const status = err.response?.status;
  if (status === undefined) return new ProviderError('provider_unavailable', `${vendor} did not answer (${err.code ?? 'network error'})`);
  if (status === 401 || status === 403) {
    return new ProviderError('invalid_credentials', `${vendor} refused ${opts.credentials} (HTTP ${status})`, { providerStatus: status });
  }
  if (status >= 500 || status === 429) return new ProviderError('provider_unavailable', `${vendor} API failed (HTTP ${status})`, { providerStatus: status });
  return new ProviderError('provider_rejected', `${vendor} rejected the request (HTTP ${status}): ${opts.messageOf(err.response?.data) ?? 'no message'}`, {
    providerStatus: status,
  });
}

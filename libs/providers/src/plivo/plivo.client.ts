import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { ProviderError } from '../provider-adapter';

/**
 * Our own HTTP client for Plivo's REST API. plivo-node hard-codes `https://api.plivo.com` (PROVIDERS.md,
 * "Pointing the SDKs at local fakes"), so every REST call goes through here to honour `PLIVO_API_BASE_URL`.
 */
export interface PlivoClientOptions {
  apiBaseUrl: string;
  timeoutMs: number;
  authId: string;
  authToken: string;
}

export interface PlivoPage<T> {
  meta: { limit: number; offset: number; total_count: number; next: string | null };
  objects: T[];
}

export class PlivoClient {
  private readonly http: AxiosInstance;

  constructor(opts: PlivoClientOptions) {
    this.http = axios.create({
      baseURL: `${opts.apiBaseUrl.replace(/\/+$/, '')}/v1/Account/${encodeURIComponent(opts.authId)}/`,
      auth: { username: opts.authId, password: opts.authToken },
      timeout: opts.timeoutMs,
      headers: { accept: 'application/json' },
      // Statuses are mapped to our codes below; axios must not throw on them.
      validateStatus: () => true,
    });
  }

  /**
   * GET a path under the account (Plivo paths end in '/'). Answers the response for 2xx and 4xx other than 401;
   * 401 is `invalid_credentials`; 5xx, timeouts and network failures are `provider_unavailable`.
   */
  async get<T>(path: string, params?: Record<string, string | number>): Promise<AxiosResponse<T>> {
    return this.request<T>('GET', path, { params });
  }

  /** POST a JSON body; statuses are mapped as for `get`. */
  async post<T>(path: string, data: Record<string, unknown>): Promise<AxiosResponse<T>> {
    return this.request<T>('POST', path, { data });
  }

  /** DELETE a resource; statuses are mapped as for `get` (a 404 is answered, for callers that treat it as gone). */
  async delete<T>(path: string): Promise<AxiosResponse<T>> {
    return this.request<T>('DELETE', path, {});
  }

  private async request<T>(method: 'GET' | 'POST' | 'DELETE', url: string, opts: { params?: Record<string, string | number>; data?: unknown }): Promise<AxiosResponse<T>> {
    let res: AxiosResponse<T>;
    try {
      res = await this.http.request<T>({ method, url, ...opts });
    } catch (err) {
      // The axios error carries the request config (with the auth token): keep only its code, never the error itself.
      const code = axios.isAxiosError(err) ? (err.code ?? 'network error') : 'network error';
      throw new ProviderError('provider_unavailable', `Plivo's API did not answer (${code}); try again`);
    }
    if (res.status === 401) {
      throw new ProviderError('invalid_credentials', 'Plivo rejected the auth ID and auth token', { providerStatus: 401 });
    }
    if (res.status >= 500) {
      throw new ProviderError('provider_unavailable', `Plivo's API failed (HTTP ${res.status}); try again`, { providerStatus: res.status });
    }
    return res;
  }
}

/** Plivo's `{error}` text from a refusal, for messages (it never echoes credentials). */
export function plivoErrorText(res: AxiosResponse<unknown>): string {
  const body = res.data as { error?: unknown } | undefined;
  return typeof body?.error === 'string' ? body.error : `HTTP ${res.status}`;
}

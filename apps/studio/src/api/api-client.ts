import { apiKeyStore } from './api-key';

/** A field the API refused, from `validation_failed` details (`field` is a dotted path such as `voice.max_duration`). */
export interface FieldIssue {
  field: string;
  message: string;
}

/** An error answer of the API (`{error: {code, message, details}}`), kept as the API said it. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  /** The `validation_failed` issues, by field. */
  get fieldIssues(): FieldIssue[] {
    return Array.isArray(this.details) ? (this.details as FieldIssue[]).filter((d) => typeof d?.field === 'string') : [];
  }
}

export const SIGNED_OUT_EVENT = 'callplane:signed-out';
export const EXPIRED_KEY_MESSAGE = 'Your API key was not accepted (wrong or revoked). Sign in again.';

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/**
 * Every call to the platform goes through here: the bearer key, JSON in and out, the API's error shape. A 401
 * forgets the key and signs out with a message, whatever page asked.
 */
export async function api<T>(method: Method, path: string, body?: unknown, opts: { key?: string } = {}): Promise<T> {
  const key = opts.key ?? apiKeyStore.get();
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  if (res.ok) return (text ? safeJson(text) : undefined) as T;
  throw failure(res.status, text, { signOut: !opts.key });
}

/** The bearer header of the signed-in key (for requests that cannot go through `api`: uploads, downloads). */
export const authHeaders = (): Record<string, string> => {
  const key = apiKeyStore.get();
  return key ? { Authorization: `Bearer ${key}` } : {};
};

/**
 * The API's error answer (`status`, its body as text) as an ApiError. A 401 to the signed-in key forgets the key and
 * signs out with a message, whatever page asked.
 */
export function failure(status: number, text: string, opts: { signOut: boolean } = { signOut: true }): ApiError {
  const json = text ? safeJson(text) : undefined;
  const err = (json as { error?: { code?: string; message?: string; details?: unknown } } | undefined)?.error;
  const error = new ApiError(status, err?.code ?? 'http_error', err?.message ?? `The server answered ${status}.`, err?.details);
  if (status === 401 && opts.signOut) {
    apiKeyStore.clear(EXPIRED_KEY_MESSAGE);
    window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
  }
  return error;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The message to show for any failure: the API's own sentence when it gave one. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  return err instanceof Error ? err.message : String(err);
}

/** The `validation_failed` message the API gave for `field` (a dotted path such as `credentials.sip_domain`), if any. */
export function fieldError(err: unknown, field: string): string | undefined {
  return err instanceof ApiError ? err.fieldIssues.find((i) => i.field === field)?.message : undefined;
}

/** Query string from defined, non-empty values. */
export function query(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => !!e[1]));
  const s = q.toString();
  return s ? `?${s}` : '';
}

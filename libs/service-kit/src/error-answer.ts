import { isDatabaseUnavailable } from '@callplane/db';
import { AppError } from './errors';
import type { Logger } from './logger';

/**
 * Any error a request ended with, as the AppError its answer shows: ours as they are, body-parser's and express's
 * (a malformed path) as the 4xx they mean, the database out of reach as a 503 to retry, anything else as a logged 500
 * that says nothing of its cause.
 */
export function toAppError(err: unknown, log: Logger): AppError {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (err instanceof URIError && (err as URIError & { status?: number }).status === 400) {
    // express could not decode a path parameter (`/numbers/%ZZ`): the client's URL is malformed.
    e = malformedPath();
  } else if (isClientHttpError(err)) e = fromClientHttpError(err);
  else if (isDatabaseUnavailable(err)) {
    // The database restarting or failing over: the request did not happen, and a retry in a moment will do.
    log.warn({ err }, 'request failed: the database is unavailable');
    e = new AppError('database_unavailable', 'The service cannot reach its database right now. Retry in a few seconds.');
  } else {
    log.error({ err }, 'unhandled error');
    e = new AppError('internal_error', 'Something went wrong on our side. Retry the request; if it keeps failing, contact support with the x-request-id.');
  }
  // 503 is a refusal we chose (a pool exhausted, a dependency not configured): worth a warning, not an error.
  if (e.status >= 500 && err instanceof AppError) {
    if (e.status === 503) log.warn({ code: e.code }, 'request refused: service unavailable');
    else log.error({ err }, 'request failed');
  }
  return e;
}

export const malformedPath = (): AppError => new AppError('validation_failed', 'The URL path is not valid percent-encoding.');

/** The contract's error shape (API.md). */
export function errorBody(e: AppError): { error: { code: string; message: string; details?: unknown } } {
  return { error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } };
}

/**
 * A 4xx that body-parser or the HTTP stack raised about the request itself (http-errors style: a `status`, often a
 * `type`): a corrupt gzip, deflate or br body surfaces as zlib's error carrying status 400 and no type.
 */
function isClientHttpError(err: unknown): err is { status: number; type?: string } {
  const status = typeof err === 'object' && err !== null ? (err as { status?: unknown }).status : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/** Its answer in the contract's codes: the status it carries, with the code that status means. */
function fromClientHttpError(err: { status: number; type?: string }): AppError {
  if (err.type === 'entity.parse.failed') return new AppError('invalid_json', 'The request body is not valid JSON.');
  if (err.status === 413) return new AppError('payload_too_large', 'The request body is too large.');
  if (err.status === 415) {
    const fix = err.type === 'encoding.unsupported' ? 'its Content-Encoding is not supported: send it uncompressed, or as gzip, deflate or br' : 'its character set is not supported: send UTF-8';
    return new AppError('unsupported_media_type', `The request body cannot be read: ${fix}.`);
  }
  return new AppError('validation_failed', 'The request body could not be read (a compressed body that does not decompress, or one cut short).', { status: err.status });
}


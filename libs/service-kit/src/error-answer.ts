import { AppError } from './errors';
import type { Logger } from './logger';

/**
 * Any error a request ended with, as the AppError its answer shows: ours as they are, body-parser's and express's
 * (a malformed path) as the 4xx they mean, anything else as a logged 500 that says nothing of its cause.
 */
export function toAppError(err: unknown, log: Logger): AppError {
  let e: AppError;
  if (err instanceof AppError) e = err;
  else if (isBodyParserError(err)) {
    e =
      err.type === 'entity.too.large'
        ? new AppError('payload_too_large', 'The request body is too large.')
        : err.type === 'entity.parse.failed'
          ? new AppError('invalid_json', 'The request body is not valid JSON.')
          : new AppError('validation_failed', 'The request body could not be read.', { status: err.status ?? 400 });
  } else if (err instanceof URIError && (err as URIError & { status?: number }).status === 400) {
    // express could not decode a path parameter (`/numbers/%ZZ`): the client's URL is malformed.
    e = malformedPath();
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

function isBodyParserError(err: unknown): err is { type: string; status?: number } {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' && 'status' in err;
}


import { ERROR_STATUS, type ErrorCode, type FieldIssue } from '@callplane/contracts';
import type { ZodError } from 'zod';

/** The one error type use cases throw: a contract code, its HTTP status, a sentence a person can act on. */
export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    opts: { status?: number; details?: unknown; retryable?: boolean; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.status = opts.status ?? ERROR_STATUS[code as ErrorCode] ?? 500;
    this.details = opts.details;
    this.retryable = opts.retryable ?? this.status >= 500;
  }
  readonly details: unknown;
  readonly retryable: boolean;
}

export const notFound = (what: string) => new AppError('not_found', `${what} was not found.`);

export function fieldIssues(err: ZodError, prefix?: string): FieldIssue[] {
  const name = (path: PropertyKey[]) => [prefix, path.map(String).join('.')].filter(Boolean).join('.') || '(body)';
  return err.issues.flatMap((i) => {
    // One entry per unknown key, named where it stands, so a client can point at each.
    if (i.code === 'unrecognized_keys') return i.keys.map((k) => ({ field: name([...i.path, k]), message: 'is not a known field' }));
    const message = i.code === 'invalid_type' && /received undefined/.test(i.message) ? 'is required' : i.message;
    return [{ field: name(i.path), message }];
  });
}

export function validationError(err: ZodError, where: 'body' | 'query' | 'params'): AppError {
  const details = fieldIssues(err, where === 'body' ? undefined : where);
  const fields = [...new Set(details.map((d) => d.field))].join(', ');
  return new AppError('validation_failed', `Some fields are invalid: ${fields}. See details.`, { details });
}

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
  return err.issues.map((i) => {
    const path = i.path.map(String).join('.');
    const field = [prefix, path].filter(Boolean).join('.') || prefix || '(body)';
    let message = i.message;
    if (i.code === 'unrecognized_keys') message = `unknown field(s): ${i.keys.join(', ')}`;
    else if (i.code === 'invalid_type' && /received undefined/.test(i.message)) message = 'is required';
    return { field, message };
  });
}

export function validationError(err: ZodError, where: 'body' | 'query' | 'params'): AppError {
  const details = fieldIssues(err, where === 'body' ? undefined : where);
  const fields = [...new Set(details.map((d) => d.field))].join(', ');
  return new AppError('validation_failed', `Some fields are invalid: ${fields}. See details.`, { details });
}

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

const NUL = '\u0000';
/** What a field holding a NUL character is told (PostgreSQL stores none in text or JSON). */
export const NUL_CHARACTER_MESSAGE = 'must not contain the NUL character (\\u0000)';
/** Whether a string holds the NUL character. */
export const hasNulCharacter = (s: string): boolean => s.includes(NUL);

/**
 * PostgreSQL stores no NUL character in text or JSON, so one would fail the write with a 500: every string the API
 * takes (body, query and path values, and object keys) is refused here, before any schema, with a 400 naming each
 * field. One rule for every route the router validates; routes that read their own body call it too.
 */
export function refuseNulCharacters(value: unknown, where: 'body' | 'query' | 'params' | string): void {
  const fields: string[] = [];
  const walk = (v: unknown, path: string[]) => {
    if (fields.length >= 50) return;
    if (typeof v === 'string') {
      if (v.includes(NUL)) fields.push(path.join('.') || where);
    } else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, String(i)]));
    else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        if (k.includes(NUL)) fields.push([...path, k.replaceAll(NUL, '\\u0000')].join('.'));
        else walk(item, [...path, k]);
      }
    }
  };
  walk(value, where === 'body' ? [] : [where]);
  if (fields.length === 0) return;
  throw new AppError('validation_failed', `Some fields are invalid: ${fields.join(', ')}. See details.`, {
    details: fields.map((field) => ({ field, message: NUL_CHARACTER_MESSAGE })),
  });
}

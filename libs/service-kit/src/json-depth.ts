import { AppError } from './errors';

/**
 * How deep a JSON body may nest objects and arrays. The API's bodies nest a handful of levels; everything that reads a
 * parsed body after the parser (the NUL rule, zod, the idempotency fingerprint, JSON.stringify into the database)
 * recurses, and a body of `[[[…]]]` a few thousand levels deep, well inside the size limit, overflowed the stack: a 500.
 */
export const MAX_JSON_DEPTH = 32;

const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Refuses JSON text nested deeper than MAX_JSON_DEPTH with `400 validation_failed`, from its bytes, before anything
 * parses it (a loop, so the check cannot overflow itself). Brackets inside strings do not count; UTF-8's multi-byte
 * characters never contain these ASCII bytes.
 */
export function refuseDeepJson(text: Buffer): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const b = text[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) inString = true;
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > MAX_JSON_DEPTH) {
        throw new AppError('validation_failed', `The request body nests objects and arrays more than ${MAX_JSON_DEPTH} levels deep.`, {
          details: [{ field: '(body)', message: `is nested more than ${MAX_JSON_DEPTH} levels deep` }],
        });
      }
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
  }
}

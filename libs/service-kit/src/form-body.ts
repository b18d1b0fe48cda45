import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';

export interface FormBodyOptions {
  /** Largest accepted body, body-parser style (`256kb`). */
  limit: string;
  parameterLimit: number;
}

/**
 * Reads an identity-encoded UTF-8 form body with a Content-Length (every provider webhook) and parses it as
 * `express.urlencoded({ extended: false })` would, with the same limits and errors (body-parser's error objects,
 * so one error handler answers both). Returns false without touching the request when it is anything else (another
 * type or charset, compressed or chunked): the caller hands it to body-parser.
 */
export function readFormBody(req: IncomingMessage, limit: number, parameterLimit: number, done: (err: Error | undefined, body?: unknown) => void): boolean {
  if (!isPlainForm(req)) return false;
  const length = Number(req.headers['content-length']);
  if (length > limit) {
    dumpThen(req, () => done(bodyError(413, 'request entity too large', 'entity.too.large')));
    return true;
  }

  const chunks: Buffer[] = [];
  let received = 0;
  let finished = false;
  const finish = (err?: Error) => {
    if (finished) return;
    finished = true;
    req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
    if (err) return dumpThen(req, () => done(err));
    let text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // iconv-lite strips a BOM
    const parsed = parseUrlencoded(text, parameterLimit);
    // A key starting with '[': body-parser (qs) gives it meaning this parser does not copy. Same bytes, its answer.
    if (parsed === undefined) return done(undefined, parseWithQs(text, parameterLimit));
    if (parsed === TOO_MANY) return done(bodyError(413, 'too many parameters', 'parameters.too.many'));
    done(undefined, parsed);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) finish(bodyError(413, 'request entity too large', 'entity.too.large'));
    else chunks.push(chunk);
  };
  const onEnd = () => finish(received === length ? undefined : bodyError(400, 'request size did not match content length', 'request.size.invalid'));
  const onError = (err: Error) => finish(bodyError(400, err.message, 'stream.error'));
  const onClose = () => finish(bodyError(400, 'request aborted', 'request.aborted'));
  req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  return true;
}

/** Whether `readFormBody` reads this request itself (an identity-encoded UTF-8 form with a Content-Length). */
export function isPlainForm(req: IncomingMessage): boolean {
  const type = req.headers['content-type'];
  if (type === undefined || !FAST_FORM_TYPE.test(type)) return false;
  const encoding = req.headers['content-encoding'];
  return (
    req.headers['content-length'] !== undefined &&
    req.headers['transfer-encoding'] === undefined &&
    (encoding === undefined || encoding.toLowerCase() === 'identity') &&
    !req.readableEnded
  );
}

/**
 * `express.urlencoded({ extended: false })` with the same output, limits and errors, minus most of its cost on the
 * common request: `readFormBody` where it applies, body-parser itself for the rest.
 */
export function urlencodedBody(opts: FormBodyOptions): RequestHandler {
  const fallback = express.urlencoded({ extended: false, limit: opts.limit, parameterLimit: opts.parameterLimit });
  const limit = parseByteLimit(opts.limit);
  return (req, res, next) => {
    const reading = readFormBody(req, limit, opts.parameterLimit, (err, body) => {
      if (err) return next(err);
      req.body = body;
      next();
    });
    if (!reading) fallback(req, res, next);
  };
}

/** `application/x-www-form-urlencoded`, optionally `; charset=utf-8`: the only type the fast path reads. */
const FAST_FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const TOO_MANY = Symbol('too many parameters');

/**
 * Parses a form body as qs does for body-parser's `extended: false`: `&`-separated pairs split at the first `=` (or
 * after a `]=`), `+` is a space, percent-escapes decoded with a component that does not decode kept as it is; empty
 * keys and `__proto__` dropped; repeated keys become arrays. `TOO_MANY` past `parameterLimit` pairs (counted as
 * body-parser does, empty ones included); `undefined` when a key starts with `[` (qs's bracket syntax).
 */
export function parseUrlencoded(body: string, parameterLimit: number): Record<string, string | string[]> | typeof TOO_MANY | undefined {
  const out: Record<string, string | string[]> = {};
  if (body.length === 0) return out;
  let count = 1;
  for (let i = body.indexOf('&'); i !== -1; i = body.indexOf('&', i + 1)) if (++count > parameterLimit) return TOO_MANY;
  if (body.includes('%5')) body = body.replace(/%5B/gi, '[').replace(/%5D/gi, ']');
  let start = 0;
  while (start <= body.length) {
    let end = body.indexOf('&', start);
    if (end === -1) end = body.length;
    if (end > start) {
      const part = body.slice(start, end);
      const bracketEquals = part.indexOf(']=');
      const eq = bracketEquals === -1 ? part.indexOf('=') : bracketEquals + 1;
      const key = decodeComponent(eq === -1 ? part : part.slice(0, eq));
      const value = eq === -1 ? '' : decodeComponent(part.slice(eq + 1));
      if (key.charCodeAt(0) === 0x5b /* [ */) return undefined;
      if (key !== '' && key !== '__proto__') {
        const prev = Object.prototype.hasOwnProperty.call(out, key) ? out[key] : undefined;
        out[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
    }
    start = end + 1;
  }
  return out;
}

function decodeComponent(s: string): string {
  if (s.includes('+')) s = s.replace(/\+/g, ' ');
  if (!s.includes('%')) return s;
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseWithQs(body: string, parameterLimit: number): unknown {
  // Loaded only for the rare bracketed body; body-parser's own dependency, called with body-parser's options.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const qs = require('qs') as { parse(s: string, o: object): unknown };
  const count = body.split('&').length;
  return qs.parse(body, { allowPrototypes: true, arrayLimit: count, depth: 0, charset: 'utf-8', parameterLimit, strictDepth: true });
}

function bodyError(status: number, message: string, type: string): Error {
  return Object.assign(new Error(message), { status, statusCode: status, expose: status < 500, type });
}

/** Like body-parser: read off what is left of the request before answering, so the connection stays usable. */
function dumpThen(req: IncomingMessage, then: () => void): void {
  if (req.readableEnded || req.destroyed) return then();
  let called = false;
  const once = () => {
    if (called) return;
    called = true;
    then();
  };
  req.once('end', once).once('close', once);
  req.resume();
}

export function parseByteLimit(limit: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!m) throw new TypeError(`option limit "${limit}" is invalid`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Math.floor(Number(m[1]) * unit);
}


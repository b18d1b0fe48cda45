import type { IncomingMessage } from 'node:http';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type ErrorRequestHandler, type Express, type RequestHandler, type Router } from 'express';
import { AppError } from './errors';
import type { Logger } from './logger';
import type { HttpMetrics } from './metrics';
import { buildOpenApiDocument, type OpenApiInfo } from './openapi';
import { requestContext, requestLog, requestLogEnabled } from './request-context';

export type ReadinessChecks = Record<string, () => Promise<void>>;

export interface HttpAppOptions {
  logger: Logger;
  metrics: HttpMetrics;
  /** Dependencies /readyz checks: database, bus… */
  readiness: ReadinessChecks;
  routers: Array<{ router: Router; registry: OpenAPIRegistry }>;
  openapi: OpenApiInfo;
  /** Largest accepted body; provider webhooks are small. */
  bodyLimit?: string;
}

export interface HttpApp {
  app: Express;
  /** Readiness fails from now on (SIGTERM): load balancers stop sending new work. */
  startDraining(): void;
}

/** The express app every HTTP service is built on: same middleware order, same health, metrics and error shape. */
export function createHttpApp(opts: HttpAppOptions): HttpApp {
  const app = express();
  let draining = false;
  app.disable('x-powered-by');
  app.set('trust proxy', true);
  app.set('query parser', 'simple');
  app.use(requestContext(opts.logger));
  app.use((_req, res, next) => {
    // While draining, every answer ends its connection, so keep-alive clients reconnect to another replica.
    if (draining) res.setHeader('Connection', 'close');
    next();
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, string> = {};
    let ok = !draining;
    await Promise.all(
      Object.entries(opts.readiness).map(async ([name, check]) => {
        try {
          await withTimeout(check(), 2_000);
          checks[name] = 'ok';
        } catch (err) {
          ok = false;
          checks[name] = `error: ${err instanceof Error ? err.message : String(err)}`;
        }
      }),
    );
    res.status(ok ? 200 : 503).json({ status: draining ? 'draining' : ok ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics());
  });
  const doc = buildOpenApiDocument(
    opts.routers.map((r) => r.registry),
    opts.openapi,
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      opts.metrics.requests.inc(labels);
      opts.metrics.duration.observe(labels, seconds);
      if (requestLogEnabled(res, 'info')) requestLog(res).info({ method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10 }, 'request');
    });
    next();
  });
  const limit = opts.bodyLimit ?? '256kb';
  app.use(
    express.json({
      limit,
      type: ['application/json', 'application/*+json'],
      // Kept for routes that verify a signature over the exact bytes (LiveKit webhooks: a sha256 claim of the body).
      verify: (req, _res, buf) => void ((req as RawBodyRequest).rawBody = buf),
    }),
  );
  app.use(urlencodedBody({ limit, parameterLimit: 1000 }));
  for (const r of opts.routers) app.use(r.router);

  app.use((req, _res, next) => {
    next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler);
  return { app, startDraining: () => void (draining = true) };
}

const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const log = requestLog(res);
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
    e = new AppError('validation_failed', 'The URL path is not valid percent-encoding.');
  } else {
    log.error({ err }, 'unhandled error');
    e = new AppError('internal_error', 'Something went wrong on our side. Retry the request; if it keeps failing, contact support with the x-request-id.');
  }
  // 503 is a refusal we chose (a pool exhausted, a dependency not configured): worth a warning, not an error.
  if (e.status >= 500 && err instanceof AppError) {
    if (e.status === 503) log.warn({ code: e.code }, 'request refused: service unavailable');
    else log.error({ err }, 'request failed');
  }
  if (res.headersSent) return;
  res.status(e.status).json({ error: { code: e.code, message: e.message, ...(e.details !== undefined ? { details: e.details } : {}) } });
};

function isBodyParserError(err: unknown): err is { type: string; status?: number } {
  return typeof err === 'object' && err !== null && typeof (err as { type?: unknown }).type === 'string' && 'status' in err;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

/**
 * `express.urlencoded({ extended: false })` with the same output, limits and errors, minus most of its cost on the
 * common request (every provider webhook): an identity-encoded UTF-8 form with a Content-Length is read and split
 * here. Anything else (another charset, a compressed or chunked body, bracketed keys) goes to body-parser itself.
 */
export function urlencodedBody(opts: { limit: string; parameterLimit: number }): RequestHandler {
  const fallback = express.urlencoded({ extended: false, limit: opts.limit, parameterLimit: opts.parameterLimit });
  const limit = parseByteLimit(opts.limit);
  return (req, res, next) => {
    const type = req.headers['content-type'];
    if (type === undefined || !FAST_FORM_TYPE.test(type)) return fallback(req, res, next);
    const lengthHeader = req.headers['content-length'];
    const encoding = req.headers['content-encoding'];
    if (lengthHeader === undefined || req.headers['transfer-encoding'] !== undefined || (encoding !== undefined && encoding.toLowerCase() !== 'identity') || req.readableEnded) {
      return fallback(req, res, next);
    }
    const length = Number(lengthHeader);
    if (length > limit) return dumpThen(req, () => next(bodyError(413, 'request entity too large', 'entity.too.large')));

    const chunks: Buffer[] = [];
    let received = 0;
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (err) return dumpThen(req, () => next(err));
      let text = chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks, received).toString('utf8');
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // iconv-lite strips a BOM
      const parsed = parseUrlencoded(text, opts.parameterLimit);
      if (parsed === undefined) {
        // A key starting with '[': body-parser (qs) gives it meaning this parser does not copy. Same bytes, its answer.
        req.body = parseWithQs(text, opts.parameterLimit);
        return next();
      }
      if (parsed === TOO_MANY) return next(bodyError(413, 'too many parameters', 'parameters.too.many'));
      req.body = parsed;
      next();
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

function parseByteLimit(limit: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(limit);
  if (!m) throw new TypeError(`option limit "${limit}" is invalid`);
  const unit = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 }[(m[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb' | 'gb'];
  return Math.floor(Number(m[1]) * unit);
}

/** A request whose JSON body was parsed keeps the bytes it was parsed from. */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/** The exact body bytes of a JSON request, as text ('' when there was none). */
export function rawBodyText(req: IncomingMessage): string {
  return (req as RawBodyRequest).rawBody?.toString('utf8') ?? '';
}

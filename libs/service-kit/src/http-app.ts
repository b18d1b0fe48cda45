import type { IncomingMessage } from 'node:http';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
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
  app.use(express.urlencoded({ extended: false, limit, parameterLimit: 1000 }));
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
  if (e.status >= 500 && err instanceof AppError) log.error({ err }, 'request failed');
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

/** A request whose JSON body was parsed keeps the bytes it was parsed from. */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

/** The exact body bytes of a JSON request, as text ('' when there was none). */
export function rawBodyText(req: IncomingMessage): string {
  return (req as RawBodyRequest).rawBody?.toString('utf8') ?? '';
}

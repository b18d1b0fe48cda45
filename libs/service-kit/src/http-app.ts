import type { IncomingMessage, RequestListener } from 'node:http';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import express, { type ErrorRequestHandler, type Express, type Router } from 'express';
import { apiDocsRouter, type ApiDefinition } from './api-docs';
import { AppError } from './errors';
import { errorBody, toAppError } from './error-answer';
import type { Logger } from './logger';
import { observeRequest, type HttpMetrics } from './metrics';
import { buildOpenApiDocument, type OpenApiInfo } from './openapi';
import { parseByteLimit, urlencodedBody } from './form-body';
import { refuseDeepJson } from './json-depth';
import { leanDispatcher, type LeanRoute } from './lean-routes';
import { requestContext, requestLog, requestLogEnabled } from './request-context';

export type ReadinessChecks = Record<string, () => Promise<void>>;

export interface HttpAppOptions {
  logger: Logger;
  metrics: HttpMetrics;
  /** Dependencies /readyz checks: database, bus… */
  readiness: ReadinessChecks;
  routers: Array<{ router: Router; registry: OpenAPIRegistry; lean?: readonly LeanRoute[] }>;
  openapi: OpenApiInfo;
  /**
   * The API reference page (`/docs`): the documents it lists (default: this service's `/openapi.json`), and more paths
   * the service's own document is served at (`/openapi/<service>.json`, which the edge routes to it unchanged).
   */
  docs?: { definitions?: ApiDefinition[]; documentPaths?: string[] };
  /** Largest accepted body; provider webhooks are small. */
  bodyLimit?: string;
  /** Serve lean routes without express (default). Off, express answers them too (tests compare the two). */
  leanRoutes?: boolean;
}

export interface HttpApp {
  app: Express;
  /** What the HTTP server runs: the lean routes, then the express app for everything else. */
  listener: RequestListener;
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
  for (const documentPath of ['/openapi.json', ...(opts.docs?.documentPaths ?? [])]) {
    app.get(documentPath, (_req, res) => {
      res.json(doc);
    });
  }
  app.use(apiDocsRouter({ title: opts.openapi.title, definitions: opts.docs?.definitions ?? [{ name: opts.openapi.title, url: '/openapi.json' }] }));

  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const route = (req.route?.path as string | undefined) ?? 'unmatched';
      observeRequest(opts.metrics, { method: req.method, route, status: res.statusCode, started, logging: requestLogEnabled(res, 'info'), log: () => requestLog(res) });
    });
    next();
  });
  const limit = opts.bodyLimit ?? '256kb';
  app.use(
    express.json({
      limit,
      type: ['application/json', 'application/*+json'],
      // Runs on the bytes before they are parsed: too deep a nesting is refused here, for every route, before any
      // code that recurses sees it. The bytes are kept for routes that verify a signature over them (LiveKit
      // webhooks: a sha256 claim of the body).
      verify: (req, _res, buf) => {
        refuseDeepJson(buf);
        (req as RawBodyRequest).rawBody = buf;
      },
    }),
  );
  const parameterLimit = 1000;
  app.use(urlencodedBody({ limit, parameterLimit }));
  for (const r of opts.routers) app.use(r.router);

  app.use((req, _res, next) => {
    next(new AppError('not_found', `No route for ${req.method} ${req.path}.`));
  });
  app.use(errorHandler);

  const lean = leanDispatcher({
    routes: opts.leanRoutes === false ? [] : opts.routers.flatMap((r) => r.lean ?? []),
    logger: opts.logger,
    metrics: opts.metrics,
    draining: () => draining,
    limit: parseByteLimit(limit),
    parameterLimit,
  });
  const listener: RequestListener = (req, res) => {
    if (!lean(req, res)) app(req, res);
  };
  return { app, listener, startDraining: () => void (draining = true) };
}

const errorHandler: ErrorRequestHandler = (err, _req, res, _next) => {
  const e = toAppError(err, requestLog(res));
  if (res.headersSent) return;
  res.status(e.status).json(errorBody(e));
};

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

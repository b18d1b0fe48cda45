import { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { errorBodySchema } from '@callplane/contracts';
import { Readable } from 'node:stream';
import express, { type Request, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { authenticate, type AuthMode, type Authenticator, type Principal } from './auth';
import { AppError, refuseNulCharacters, validationError } from './errors';
import { fingerprint, type IdempotencyStore } from './idempotency';
import { endWithText, type LeanRoute, type WebhookRequest } from './lean-routes';
import type { Logger } from './logger';
import { bindPrincipal, requestLog } from './request-context';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface HttpResult {
  status: number;
  /** A `Readable` is streamed as it is read (a large CSV export), never held whole. */
  body?: unknown;
  /** Defaults to JSON; provider webhooks answer text/xml. */
  contentType?: string;
  headers?: Record<string, string>;
}

export interface RouteSpec<B extends ZodType | undefined, Q extends ZodType | undefined, P extends ZodType | undefined> {
  method: Method;
  /** Express syntax (`/voice/agents/:agent_id`); published in OpenAPI as `{agent_id}`. */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: AuthMode;
  body?: B;
  /** How the body arrives; JSON unless a provider webhook says otherwise. */
  bodyType?: 'application/json' | 'application/x-www-form-urlencoded';
  /**
   * More content types the route takes besides `bodyType`, for the OpenAPI document only: the handler reads them
   * (`bodyValidation: 'handler'`), e.g. a contact list as `text/csv`, streamed with `streamBody`.
   */
  otherBodies?: Record<string, ZodType>;
  /**
   * `handler`: the body schema documents the route only; the handler reads `req.body` itself. For provider
   * webhooks, whose signature must be checked before the body is judged.
   */
  bodyValidation?: 'router' | 'handler';
  query?: Q;
  params?: P;
  responses: Record<number, { description: string; schema?: ZodType; contentType?: string }>;
  /** POSTs that create something honour Idempotency-Key. */
  idempotent?: boolean;
  /** The response carries a secret shown once (an API key): kept for Idempotency-Key replays only encrypted. */
  sensitiveResponse?: boolean;
  /**
   * Also served without express (lean-routes.ts): provider webhooks only — `POST <path>/:param`, no auth, a form
   * body the handler validates, no Idempotency-Key. The handler then sees a `WebhookRequest`, the part of the request
   * both paths have.
   */
  lean?: boolean;
}

type Out<T> = T extends ZodType ? z.output<T> : undefined;

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal | null;
  log: Logger;
  req: Request;
}

/** A lean route's handler input: the same on both paths. */
export interface LeanRouteInput<P> {
  params: P;
  log: Logger;
  req: WebhookRequest;
}

export interface UserInput<B, Q, P> extends RouteInput<B, Q, P> {
  principal: Extract<Principal, { kind: 'user' }>;
}

export interface ApiRouterDeps {
  authenticator: Authenticator;
  idempotency: IdempotencyStore;
}

/**
 * Declares a service's routes once: each declaration validates input with zod, authenticates,
 * applies Idempotency-Key, and registers itself in the OpenAPI document. Handlers return data or throw AppError.
 */
export class ApiRouter {
  readonly router = express.Router();
  readonly registry = new OpenAPIRegistry();
  readonly leanRoutes: LeanRoute[] = [];

  constructor(private readonly deps: ApiRouterDeps) {}

  route<B extends ZodType | undefined = undefined, P extends ZodType | undefined = undefined>(
    spec: RouteSpec<B, undefined, P> & { lean: true },
    handler: (input: LeanRouteInput<Out<P>>) => Promise<HttpResult>,
  ): this;
  route<B extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined, P extends ZodType | undefined = undefined>(
    spec: RouteSpec<B, Q, P> & { auth: 'user' },
    handler: (input: UserInput<Out<B>, Out<Q>, Out<P>>) => Promise<HttpResult>,
  ): this;
  route<B extends ZodType | undefined = undefined, Q extends ZodType | undefined = undefined, P extends ZodType | undefined = undefined>(
    spec: RouteSpec<B, Q, P>,
    handler: (input: RouteInput<Out<B>, Out<Q>, Out<P>>) => Promise<HttpResult>,
  ): this;
  route(spec: RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined>, handlerFn: (input: never) => Promise<HttpResult>): this {
    const handler = handlerFn as (input: RouteInput<unknown, unknown, unknown>) => Promise<HttpResult>;
    this.register(spec);
    if (spec.lean) this.leanRoutes.push(leanRoute(spec, handlerFn as (input: LeanRouteInput<unknown>) => Promise<HttpResult>));
    this.router[spec.method](spec.path, async (req: Request, res: Response) => {
      const principal = spec.auth === 'none' ? null : await authenticate(spec.auth, req.headers.authorization, this.deps.authenticator);
      if (principal?.kind === 'user') bindPrincipal(res, { tenant_id: principal.tenantId, user_id: principal.userId });
      const params = parse(spec.params, req.params, 'params');
      const query = spec.query ? parse(spec.query, { ...(req.query as object) }, 'query') : undefined;
      const validateBody = spec.body !== undefined && spec.bodyValidation !== 'handler';
      if (validateBody && spec.method !== 'get') {
        const type = spec.bodyType ?? 'application/json';
        if (!req.is(type) && !(type === 'application/json' && req.body === undefined && !req.headers['content-type'])) {
          throw new AppError('unsupported_media_type', `Send the body as ${type}.`);
        }
      }
      const body = validateBody ? parse(spec.body, req.body ?? {}, 'body') : undefined;
      const input: RouteInput<unknown, unknown, unknown> = {
        body,
        query,
        params,
        principal,
        get log() {
          return requestLog(res);
        },
        req,
      };

      const key = spec.idempotent ? req.header('idempotency-key') : undefined;
      if (!key) return send(res, await handler(input));
      if (key.length > 255) throw new AppError('validation_failed', 'Idempotency-Key must be at most 255 characters.', { details: [{ field: 'Idempotency-Key', message: 'too long' }] });
      const scope = principal?.kind === 'user' ? principal.userId : 'admin';
      const begun = await this.deps.idempotency.begin(scope, key, fingerprint(spec.method, req.originalUrl.split('?')[0]!, req.body));
      if (begun.kind === 'conflict') throw new AppError('idempotency_conflict', 'This Idempotency-Key was already used with a different request. Use a new key for a new request.');
      if (begun.kind === 'in_progress') throw new AppError('idempotency_in_progress', 'A request with this Idempotency-Key is still being processed. Retry in a few seconds.', { retryable: true });
      if (begun.kind === 'replay') {
        res.setHeader('Idempotent-Replayed', 'true');
        return send(res, { status: begun.status, body: begun.body ?? undefined });
      }
      // The store retries its bookkeeping through a failing database; what still fails is logged, and the answer is the
      // handler's: a refusal stays the refusal it is, and work that was done is not reported as a 500 for the client to redo.
      const abandon = () =>
        this.deps.idempotency.abandon(scope, key).catch((err: unknown) => requestLog(res).error({ err }, 'Idempotency-Key could not be released: it stays in progress until it goes stale'));
      let result: HttpResult;
      try {
        result = await handler(input);
      } catch (err) {
        await abandon();
        throw err;
      }
      if (result.status >= 500) await abandon();
      else {
        await this.deps.idempotency
          .complete(scope, key, result.status, result.body, { sensitive: spec.sensitiveResponse })
          .catch((err: unknown) => requestLog(res).error({ err }, 'the response could not be kept for Idempotency-Key replays: the key stays in progress until it goes stale'));
      }
      return send(res, result);
    });
    return this;
  }

  private register(spec: RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined>): void {
    const security = spec.auth === 'user' ? [{ apiKey: [] }] : spec.auth === 'admin' ? [{ adminToken: [] }] : [];
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(spec.responses)) {
      responses[status] = r.schema
        ? { description: r.description, content: { [r.contentType ?? 'application/json']: { schema: r.schema } } }
        : { description: r.description };
    }
    responses.default = { description: 'Error', content: { 'application/json': { schema: errorBodySchema } } };
    this.registry.registerPath({
      method: spec.method,
      path: spec.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}'),
      summary: spec.summary,
      description: spec.description,
      tags: [spec.tag],
      security,
      request: {
        params: spec.params as never,
        query: spec.query as never,
        body: spec.body
          ? { content: { [spec.bodyType ?? 'application/json']: { schema: spec.body }, ...Object.fromEntries(Object.entries(spec.otherBodies ?? {}).map(([type, schema]) => [type, { schema }])) } }
          : undefined,
        headers: spec.idempotent ? (idempotencyHeader as never) : undefined,
      },
      responses: responses as never,
    });
  }
}

const idempotencyHeader = z.object({ 'idempotency-key': z.string().max(255).optional().describe('Same key and body within 24 h returns the first response') });

/** The lean twin of a webhook route: same params schema, same handler. */
function leanRoute(spec: RouteSpec<ZodType | undefined, ZodType | undefined, ZodType | undefined>, handler: (input: LeanRouteInput<unknown>) => Promise<HttpResult>): LeanRoute {
  const m = /^(\/[^:]*\/):([A-Za-z0-9_]+)$/.exec(spec.path);
  const suitable = m && spec.method === 'post' && spec.auth === 'none' && !spec.idempotent && !spec.query && spec.bodyValidation === 'handler' && spec.bodyType === 'application/x-www-form-urlencoded';
  if (!suitable) throw new Error(`route ${spec.method.toUpperCase()} ${spec.path} cannot be lean: only POST <prefix>/:param webhooks with no auth, a form body validated by the handler and no Idempotency-Key`);
  const [, prefix, name] = m as unknown as [string, string, string];
  return {
    path: spec.path,
    prefix,
    run: async ({ param, req, log }) =>
      handler({
        params: parse(spec.params, { [name]: param }, 'params'),
        get log() {
          return log();
        },
        req,
      }),
  };
}

/**
 * The router's validation of a request's body, query or path values: the NUL rule, then the schema; a 400 naming
 * each bad field. Routes that read their own body (`bodyValidation: 'handler'`) validate what they read with it too.
 */
export function validateInput<S extends ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params'): z.output<S> {
  return parse(schema, value, where) as z.output<S>;
}

function parse(schema: ZodType | undefined, value: unknown, where: 'body' | 'query' | 'params'): unknown {
  if (!schema) return undefined;
  refuseNulCharacters(value, where);
  const res = schema.safeParse(value);
  if (!res.success) throw validationError(res.error, where);
  return res.data;
}

export function send(res: Response, result: HttpResult): void | Promise<void> {
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  res.status(result.status);
  if (result.body instanceof Readable) return streamOut(res, result.body, result.contentType ?? 'application/octet-stream');
  if (result.body === undefined || result.status === 204) {
    res.end();
    return;
  }
  if (result.contentType && !result.contentType.includes('json')) {
    const text = String(result.body);
    const method = res.req.method;
    if (method !== 'GET' && method !== 'HEAD' && result.status < 300 && result.status !== 205 && /^[\w.+-]+\/[\w.+-]+$/.test(result.contentType)) {
      // Provider webhooks (POST): no conditional request to answer, so none of res.send's ETag hashing and
      // freshness checks; the same Content-Type (with charset) and Content-Length it would send.
      endWithText(res, result.contentType, text);
      return;
    }
    res.type(result.contentType).send(text);
    return;
  }
  res.json(result.body);
}

/**
 * Streams a body out with backpressure. An error before the first bytes is an ordinary error answer; after them
 * the status is already sent, so the response is cut off instead (no final chunk), which clients see as a failed
 * download rather than a short file.
 */
function streamOut(res: Response, body: Readable, contentType: string): Promise<void> {
  res.type(contentType);
  return new Promise<void>((resolve, reject) => {
    body.once('error', (err) => {
      body.unpipe(res);
      if (!res.headersSent) return reject(err);
      requestLog(res).error({ err }, 'streamed response failed midway');
      res.destroy();
      resolve();
    });
    // The client went away: stop producing.
    res.once('close', () => {
      if (!res.writableFinished) body.destroy();
      resolve();
    });
    body.pipe(res);
  });
}

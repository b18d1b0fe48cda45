import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { HttpResult } from './api-router';
import type { AppError } from './errors';
import { isPlainForm, readFormBody } from './form-body';
import { errorBody, malformedPath, toAppError } from './error-answer';
import type { Logger } from './logger';
import { observeRequest, type HttpMetrics } from './metrics';
import { acceptedRequestId } from './request-context';

/** What a lean route's handler may read of its request: what provider webhooks need, no more. */
export interface WebhookRequest {
  readonly method: string;
  /** The path and query as the client sent them (express's `req.originalUrl`). */
  readonly originalUrl: string;
  readonly headers: IncomingHttpHeaders;
  /** The parsed form. */
  readonly body: unknown;
  header(name: string): string | undefined;
}

/**
 * A provider-webhook route also served without express: `POST <prefix><one path parameter>` with a plain form body.
 * Built by ApiRouter from the same declaration as its express route (`lean: true`), which keeps answering every
 * request the lean path does not take as it is (another case or a trailing slash in the path, another content type,
 * a chunked or compressed body), so both paths give the same answers.
 */
export interface LeanRoute {
  /** The declared express path, for metrics and logs (`/twilio/incoming/:phone_id`). */
  readonly path: string;
  /** What comes before the parameter (`/twilio/incoming/`). */
  readonly prefix: string;
  run(input: { param: string; req: WebhookRequest; log: () => Logger }): Promise<HttpResult>;
}

export interface LeanDispatchOptions {
  routes: readonly LeanRoute[];
  logger: Logger;
  metrics: HttpMetrics;
  draining(): boolean;
  /** Body limits, as the express app's parsers have them. */
  limit: number;
  parameterLimit: number;
}

/**
 * The lean path in front of the express app: takes a request when it is a POST to a lean route with a plain form
 * body, and answers it as the express app would (request id, draining `Connection: close`, metrics and the request
 * log line, the error shape); returns false, having touched nothing, for everything else. Provider webhooks are the
 * requests a telephony platform gets most of, and express's routing and response helpers cost as much CPU as the
 * whole of a webhook's own work.
 */
export function leanDispatcher(opts: LeanDispatchOptions): (req: IncomingMessage, res: ServerResponse) => boolean {
  const { routes } = opts;
  return (req, res) => {
    if (req.method !== 'POST' || routes.length === 0) return false;
    const url = req.url ?? '';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const route = routes.find((r) => path.startsWith(r.prefix));
    if (!route) return false;
    const raw = path.slice(route.prefix.length);
    if (raw.length === 0 || raw.includes('/') || !isPlainForm(req)) return false;

    const started = process.hrtime.bigint();
    const requestId = acceptedRequestId(req.headers['x-request-id']);
    let log: Logger | undefined;
    const requestLog = () => (log ??= opts.logger.child({ req_id: requestId }));
    res.setHeader('x-request-id', requestId);
    if (opts.draining()) res.setHeader('Connection', 'close');
    res.once('finish', () =>
      observeRequest(opts.metrics, { method: 'POST', route: route.path, status: res.statusCode, started, logging: opts.logger.isLevelEnabled('info'), log: requestLog }),
    );
    const fail = (err: unknown) => writeError(res, toAppError(err, requestLog()));

    readFormBody(req, opts.limit, opts.parameterLimit, (err, body) => {
      if (err) return fail(err);
      let param: string;
      try {
        param = decodeURIComponent(raw);
      } catch {
        return writeError(res, malformedPath());
      }
      const webhook: WebhookRequest = { method: 'POST', originalUrl: url, headers: req.headers, body, header: (name) => headerValue(req.headers, name) };
      // A route that throws before its first await still answers through `fail`.
      Promise.resolve()
        .then(() => route.run({ param, req: webhook, log: requestLog }))
        .then((result) => writeResult(res, result), fail);
    });
    return true;
  };
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** As ApiRouter's `send` answers: text types with their charset and length, everything else as JSON. */
function writeResult(res: ServerResponse, result: HttpResult): void {
  if (res.headersSent) return;
  for (const [k, v] of Object.entries(result.headers ?? {})) res.setHeader(k, v);
  res.statusCode = result.status;
  if (result.body === undefined || result.status === 204) {
    res.end();
    return;
  }
  const json = !result.contentType || result.contentType.includes('json');
  endWithText(res, json ? 'application/json' : result.contentType!, json ? JSON.stringify(result.body) : String(result.body));
}

/** The whole answer in one write: the body as UTF-8 with its type's charset and its length. */
export function endWithText(res: ServerResponse, contentType: string, text: string): void {
  res.setHeader('Content-Type', `${contentType}; charset=utf-8`);
  res.setHeader('Content-Length', Buffer.byteLength(text));
  res.end(text);
}

function writeError(res: ServerResponse, e: AppError): void {
  writeResult(res, { status: e.status, body: errorBody(e) });
}

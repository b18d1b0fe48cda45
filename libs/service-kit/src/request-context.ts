import { randomBytes } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger';

const VALID_REQUEST_ID = /^[\w.-]{1,128}$/;
/** Random per process, so ids from replicas and restarts do not collide; a counter after it keeps them unique within one. */
const REQUEST_ID_PREFIX = `req_${randomBytes(9).toString('base64url').replace(/[^\w]/g, '0')}`;
let requestCounter = 0;

/** A new request id: `req_<process prefix>.<counter in base 36>`, which an incoming `x-request-id` check accepts. */
export function nextRequestId(): string {
  return `${REQUEST_ID_PREFIX}.${(++requestCounter).toString(36)}`;
}

/** The client's `x-request-id` when it is a sensible id, else a new one. */
export function acceptedRequestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && VALID_REQUEST_ID.test(incoming) ? incoming : nextRequestId();
}

/** Per-request logging context: every line carries the request id, and the tenant and user once authenticated. */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const requestId = acceptedRequestId(req.header('x-request-id'));
    res.setHeader('x-request-id', requestId);
    res.locals.requestId = requestId;
    res.locals.rootLog = logger;
    next();
  };
}

/** Marks the request as a tenant's, for its log lines. */
export function bindPrincipal(res: Response, ids: { tenant_id: string; user_id: string }): void {
  res.locals.principalIds = ids;
  res.locals.log = undefined;
}

/**
 * The request's logger. Built on first use: a child logger applies redaction to its bindings, which is
 * measurable on the webhook hot path, and most requests log nothing below `info` in production.
 */
export function requestLog(res: Response): Logger {
  if (!res.locals.log) {
    const root = res.locals.rootLog as Logger;
    res.locals.log = root.child({ req_id: res.locals.requestId as string, ...((res.locals.principalIds as object | undefined) ?? {}) });
  }
  return res.locals.log as Logger;
}

/** Whether `requestLog(res)` would write at `level`, without building it. */
export function requestLogEnabled(res: Response, level: 'info' | 'debug'): boolean {
  return (res.locals.rootLog as Logger).isLevelEnabled(level);
}

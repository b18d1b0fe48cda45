import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger';

/** Per-request logging context: every line carries the request id, and the tenant and user once authenticated. */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
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

import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from './logger';

/** Per-request logger: every line carries the request id, and the tenant once authenticated. */
export function requestContext(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction) => {
    const incoming = req.header('x-request-id');
    const requestId = incoming && /^[\w.-]{1,128}$/.test(incoming) ? incoming : randomUUID();
    res.setHeader('x-request-id', requestId);
    res.locals.requestId = requestId;
    res.locals.log = logger.child({ req_id: requestId });
    next();
  };
}

export function requestLog(res: Response): Logger {
  return res.locals.log as Logger;
}

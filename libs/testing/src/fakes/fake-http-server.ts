import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One request as a fake provider received it, kept so tests can assert exactly what was sent. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  rawBody: string;
  /** Parsed JSON or form body; `undefined` when empty. */
  body: unknown;
  params: Record<string, string>;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type FakeHandler = (req: RecordedRequest) => FakeResponse | Promise<FakeResponse>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: FakeHandler;
}

interface Fault {
  method?: string;
  path: RegExp;
  remaining: number;
  /** A response to answer with, or 'timeout' to never answer (the socket is destroyed on stop). */
  respond: FakeResponse | 'timeout';
}

/**
 * The base of every fake provider: routes by method and `:param` path pattern, parses JSON and form bodies,
 * records every request, and can be told to fail the next N matching requests (an error status or a
 * request that never answers). Listens on 127.0.0.1, port 0 by default.
 */
export class FakeHttpServer {
  readonly requests: RecordedRequest[] = [];
  private readonly routes: Route[] = [];
  private faults: Fault[] = [];
  private server?: Server;
  private readonly hanging = new Set<ServerResponse>();
  baseUrl = '';

  constructor(readonly name: string) {}

  route(method: string, path: string, handler: FakeHandler): this {
    const keys: string[] = [];
    // A trailing slash is optional on every route: providers' SDKs differ on it (Plivo sends it, Twilio doesn't).
    const pattern = new RegExp(
      `^${path.replace(/\/+$/, '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, (_m, k: string) => (keys.push(k), '([^/]+)'))}/?$`,
    );
    this.routes.push({ method: method.toUpperCase(), pattern, keys, handler });
    return this;
  }

  /** The next `times` requests matching `path` (and `method`) get `respond` instead of the normal answer. */
  failNext(match: { method?: string; path: RegExp }, respond: FakeResponse | 'timeout', times = 1): void {
    this.faults.push({ method: match.method?.toUpperCase(), path: match.path, remaining: times, respond });
  }

  /** Requests whose method and path match. */
  requestsTo(method: string, path: RegExp): RecordedRequest[] {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path));
  }

  async start(port = 0): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    const addr = this.server.address() as { port: number };
    this.baseUrl = `http://127.0.0.1:${addr.port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.hanging.clear();
    if (!this.server) return;
    await new Promise<void>((resolve) => {
      this.server!.close(() => resolve());
      this.server!.closeAllConnections();
    });
    this.server = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake');
    const recorded: RecordedRequest = {
      method: (req.method ?? 'GET').toUpperCase(),
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: req.headers,
      rawBody,
      body: parseBody(rawBody, req.headers['content-type']),
      params: {},
    };
    this.requests.push(recorded);

    const fault = this.faults.find((f) => f.remaining > 0 && (!f.method || f.method === recorded.method) && f.path.test(recorded.path));
    if (fault) {
      fault.remaining--;
      if (fault.respond === 'timeout') {
        this.hanging.add(res);
        return;
      }
      return send(res, fault.respond);
    }
    for (const r of this.routes) {
      if (r.method !== recorded.method) continue;
      const m = r.pattern.exec(recorded.path);
      if (!m) continue;
      r.keys.forEach((k, i) => (recorded.params[k] = decodeURIComponent(m[i + 1]!)));
      try {
        return send(res, await r.handler(recorded));
      } catch (err) {
        return send(res, { status: 500, body: { error: `${this.name} fake failed: ${err instanceof Error ? err.message : String(err)}` } });
      }
    }
    send(res, { status: 404, body: { error: `${this.name} fake: no route for ${recorded.method} ${recorded.path}` } });
  }
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function send(res: ServerResponse, r: FakeResponse): void {
  const isString = typeof r.body === 'string';
  res.writeHead(r.status, { 'content-type': isString ? 'text/plain' : 'application/json', ...(r.headers ?? {}) });
  res.end(r.body === undefined ? '' : isString ? (r.body as string) : JSON.stringify(r.body));
}

/** `Authorization: Basic …` as {user, password}, or null. */
export function basicAuth(req: RecordedRequest): { user: string; password: string } | null {
  const h = req.headers.authorization;
  if (typeof h !== 'string' || !h.startsWith('Basic ')) return null;
  const decoded = Buffer.from(h.slice(6), 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  return i < 0 ? null : { user: decoded.slice(0, i), password: decoded.slice(i + 1) };
}

import { Writable } from 'node:stream';
import { z } from 'zod';
import { connectPostgres, type Database } from '@callplane/db';
import { freePort } from '@callplane/testing';
import { ApiRouter, validateInput, type ApiRouterDeps } from './api-router';
import { AppError } from './errors';
import { createHttpApp } from './http-app';
import { MAX_JSON_DEPTH } from './json-depth';
import type { IdempotencyStore } from './idempotency';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { listen, type Listening } from './server';

/** Routes built on the real router and app, with an authenticator that knows one key and no idempotency. */
function deps(): ApiRouterDeps {
  const idempotency: IdempotencyStore = {
    begin: async () => ({ kind: 'new' }),
    complete: async () => undefined,
    abandon: async () => undefined,
  };
  return {
    authenticator: { user: async (k) => (k === 'good-key' ? { tenantId: 'ten_1', userId: 'usr_1' } : null), admin: (t) => t === 'admin-token-0123456789', forget: () => undefined },
    idempotency,
  };
}

describe('createHttpApp', () => {
  let server: Listening;
  let dbUp = true;
  let logs = '';
  let base: string;
  let startDraining: () => void;
  let unreachable: Database;

  beforeAll(async () => {
    // A database nobody serves (the server restarting, failing over): its statements fail to connect.
    unreachable = connectPostgres({ url: `postgresql://app:s3cret-pw@127.0.0.1:${await freePort()}/app`, poolSize: 1 });
    const router = new ApiRouter(deps())
      .route(
        { method: 'post', path: '/things', tag: 't', summary: 's', auth: 'user', body: z.object({ name: z.string().min(1) }).strict(), responses: { 201: { description: 'ok' } } },
        async ({ body, principal }) => ({ status: 201, body: { name: body.name, tenant: principal.tenantId } }),
      )
      .route({ method: 'get', path: '/boom', tag: 't', summary: 's', auth: 'none', responses: { 200: { description: 'never' } } }, async () => {
        throw new Error('database password=hunter2 leaked into a message');
      })
      .route({ method: 'get', path: '/db-down', tag: 't', summary: 's', auth: 'none', responses: { 200: { description: 'never' } } }, async () => {
        await unreachable.prisma.tenant.findFirst();
        return { status: 200, body: {} };
      })
      .route({ method: 'get', path: '/refuse', tag: 't', summary: 's', auth: 'none', responses: { 200: { description: 'never' } } }, async () => {
        throw new AppError('provider_unavailable', 'The provider did not answer. Retry.');
      })
      .route(
        { method: 'post', path: '/xml/:id', tag: 't', summary: 's', auth: 'none', params: z.object({ id: z.string().max(5) }), bodyType: 'application/x-www-form-urlencoded', body: z.record(z.string(), z.string()), bodyValidation: 'handler', responses: { 200: { description: 'xml' } } },
        async ({ params, req }) => ({ status: 200, body: `<r id="${params.id}">${(req.body as Record<string, string>).a ?? ''} é</r>`, contentType: 'text/xml' }),
      )
      .route({ method: 'get', path: '/xml/:id', tag: 't', summary: 's', auth: 'none', responses: { 200: { description: 'xml' } } }, async () => ({ status: 200, body: '<r/>', contentType: 'text/xml' }));
    const logger = createLogger({ name: 'http-app-spec', destination: new Writable({ write: (c, _e, cb) => ((logs += c.toString()), cb()) }) });
    const http = createHttpApp({
      logger,
      metrics: createMetrics('http-app-spec'),
      readiness: { database: async () => { if (!dbUp) throw new Error('connection refused'); } },
      routers: [router],
      openapi: { title: 't', version: '1' },
      bodyLimit: '1kb',
    });
    startDraining = http.startDraining;
    server = await listen(http.app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(async () => {
    await server.close();
    await unreachable.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { authorization: 'Bearer good-key', 'content-type': 'application/json', ...headers }, body });

  it('answers a valid request, tagging the log line with request and tenant ids', async () => {
    const res = await post('/things', JSON.stringify({ name: 'a' }), { 'x-request-id': 'req-123' });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toBe('req-123');
    expect(await res.json()).toEqual({ name: 'a', tenant: 'ten_1' });
    const line = logs.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.req_id === 'req-123');
    expect(line).toMatchObject({ tenant_id: 'ten_1', user_id: 'usr_1', status: 201, route: '/things', method: 'POST' });
  });

  it.each([
    ['malformed JSON', '{"name":', {}, 400, 'invalid_json'],
    ['a body over the limit', JSON.stringify({ name: 'x'.repeat(5000) }), {}, 413, 'payload_too_large'],
    ['the wrong content type', 'name=a', { 'content-type': 'text/plain' }, 415, 'unsupported_media_type'],
    ['no API key', '{}', { authorization: '' }, 401, 'unauthorized'],
    ['a wrong API key', '{}', { authorization: 'Bearer nope' }, 401, 'unauthorized'],
    ['an invalid field', JSON.stringify({ name: '' }), {}, 400, 'validation_failed'],
    ['a gzip body that is not gzip', JSON.stringify({ name: 'a' }), { 'content-encoding': 'gzip' }, 400, 'validation_failed'],
    ['a deflate body that is not deflate', JSON.stringify({ name: 'a' }), { 'content-encoding': 'deflate' }, 400, 'validation_failed'],
    ['a br body that is not brotli', JSON.stringify({ name: 'a' }), { 'content-encoding': 'br' }, 400, 'validation_failed'],
    ['an encoding nobody reads', JSON.stringify({ name: 'a' }), { 'content-encoding': 'compress' }, 415, 'unsupported_media_type'],
  ])('refuses %s with the contract error shape', async (_what, body, headers, status, code) => {
    const res = await post('/things', body, headers as Record<string, string>);
    expect(res.status).toBe(status);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe(code);
    expect(json.error.message.length).toBeGreaterThan(10);
  });

  it('hides unexpected errors behind internal_error and logs them; AppErrors keep their status', async () => {
    const boom = await fetch(`${base}/boom`);
    expect(boom.status).toBe(500);
    const body = await boom.text();
    expect(body).toContain('internal_error');
    expect(body).not.toContain('hunter2');
    expect(logs).toContain('unhandled error');
    const refused = await fetch(`${base}/refuse`);
    expect(refused.status).toBe(502);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('provider_unavailable');
  });

  it('answers 503 database_unavailable, to retry, when the database cannot be reached, and logs no credentials', async () => {
    const res = await fetch(`${base}/db-down`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ error: { code: 'database_unavailable', message: 'The service cannot reach its database right now. Retry in a few seconds.' } });
    expect(logs).toContain('the database is unavailable');
    expect(logs).not.toContain('s3cret-pw');
  });

  it('answers a text body to a POST with the type, charset and length res.send gives it, and no ETag; GETs keep theirs', async () => {
    const res = await fetch(`${base}/xml/ab`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=x%26y' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    const text = await res.text();
    expect(text).toBe('<r id="ab">x&y é</r>');
    expect(res.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(res.headers.get('etag')).toBeNull();
    expect(res.headers.get('x-request-id')).toBeTruthy();
    const get = await fetch(`${base}/xml/ab`);
    expect(get.headers.get('content-type')).toBe('text/xml; charset=utf-8');
    expect(get.headers.get('etag')).toBeTruthy();
    const tooLong = await fetch(`${base}/xml/abcdef`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'a=1' });
    expect(tooLong.status).toBe(400);
  });

  it('answers unknown routes with 404 not_found', async () => {
    const res = await fetch(`${base}/nowhere`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });

  it('counts requests by route pattern and status in /metrics', async () => {
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toMatch(/http_requests_total\{[^}]*method="POST"[^}]*route="\/things"[^}]*status="201"[^}]*\} [1-9]/);
    expect(text).toContain('http_request_duration_seconds_bucket');
    expect(text).toContain('service="http-app-spec"');
  });

  it('reports readiness from its checks, and fails it once draining while /healthz stays up', async () => {
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    dbUp = false;
    const down = await fetch(`${base}/readyz`);
    expect(down.status).toBe(503);
    expect(await down.json()).toEqual({ status: 'not_ready', checks: { database: 'error: connection refused' } });
    dbUp = true;
    startDraining();
    const draining = await fetch(`${base}/readyz`);
    expect(draining.status).toBe(503);
    expect(((await draining.json()) as { status: string }).status).toBe('draining');
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
  });
});

describe('deeply nested JSON bodies', () => {
  // Found by the hostile-input run: `[[[…]]]` a few thousand levels deep, well inside the default 256 kB limit,
  // overflowed the stack of the recursive code after the parser (the NUL rule, then the schema): a 500.
  it.each([
    ['at the top', (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`],
    ['in a field', (n: number) => `{"name":${'['.repeat(n)}${']'.repeat(n)}}`],
    ['in a route that reads its own body', (n: number) => `{"items":${'['.repeat(n)}${']'.repeat(n)}}`],
  ])('are refused with 400 validation_failed, %s', async (_where, body) => {
    let reached = false;
    const router = new ApiRouter(deps())
      .route({ method: 'post', path: '/things', tag: 't', summary: 's', auth: 'none', body: z.object({ name: z.string() }).strict(), responses: { 201: { description: 'ok' } } }, async () => ({ status: 201 }))
      .route({ method: 'post', path: '/own', tag: 't', summary: 's', auth: 'none', body: z.object({ items: z.array(z.string()) }), bodyValidation: 'handler', responses: { 200: { description: 'ok' } } }, async ({ req }) => {
        reached = true;
        return { status: 200, body: validateInput(z.object({ items: z.array(z.string()) }), req.body, 'body') };
      });
    const http = createHttpApp({ logger: createLogger({ name: 'deep-spec', level: 'silent' }), metrics: createMetrics('deep-spec'), readiness: {}, routers: [router], openapi: { title: 't', version: '1' } });
    const server = await listen(http.app, 0, '127.0.0.1');
    try {
      for (const depth of [MAX_JSON_DEPTH + 1, 20_000]) {
        for (const path of ['/things', '/own']) {
          const res = await fetch(`http://127.0.0.1:${server.port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: body(depth) });
          expect([path, depth, res.status, await res.json()]).toEqual([path, depth, 400, { error: expect.objectContaining({ code: 'validation_failed', details: [{ field: '(body)', message: expect.stringContaining('nested') }] }) }]);
        }
      }
      expect(reached).toBe(false);
    } finally {
      await server.close();
    }
  });
});

describe('draining with keep-alive clients', () => {
  it('answers with Connection: close while draining, and the server closes without waiting out keep-alive', async () => {
    const { request, Agent } = await import('node:http');
    const http = createHttpApp({ logger: createLogger({ name: 'drain-spec', level: 'silent' }), metrics: createMetrics('drain-spec'), readiness: {}, routers: [], openapi: { title: 't', version: '1' } });
    const server = await listen(http.app, 0, '127.0.0.1');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = () =>
      new Promise<{ connection: string | undefined }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, path: '/healthz', agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ connection: res.headers.connection }));
        });
        req.on('error', reject);
        req.end();
      });
    expect((await get()).connection).toBe('keep-alive');

    http.startDraining();
    expect((await get()).connection).toBe('close');
    const closed = server.close().then(() => 'closed' as const);
    // The server's keep-alive timeout is 65 s: closing must not wait for it.
    const outcome = await Promise.race([closed, new Promise<'stuck'>((r) => setTimeout(() => r('stuck'), 3_000))]);
    agent.destroy();
    expect(outcome).toBe('closed');
  });
});

import { Readable, Writable } from 'node:stream';
import { z } from 'zod';
import { ApiRouter, type ApiRouterDeps } from './api-router';
import { streamBody } from './body-stream';
import { AppError } from './errors';
import { createHttpApp } from './http-app';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { listen, type Listening } from './server';

const LIMIT = 64 * 1024;

function deps(): ApiRouterDeps {
  return {
    authenticator: { user: async () => null, admin: () => false, forget: () => undefined },
    idempotency: { begin: async () => ({ kind: 'new' }), complete: async () => undefined, abandon: async () => undefined },
  };
}

/** Upload bodies read as streams (`streamBody`), and streamed answers (`HttpResult.body` as a Readable), on the real app. */
describe('streamed bodies', () => {
  let server: Listening;
  let base: string;
  let logs = '';
  /** What the upload route counted, and whether it saw the end of its body. */
  const seen: Array<{ bytes: number; complete: boolean }> = [];

  beforeAll(async () => {
    const router = new ApiRouter(deps())
      .route(
        { method: 'post', path: '/upload', tag: 't', summary: 's', auth: 'none', body: z.object({}), bodyValidation: 'handler', otherBodies: { 'text/csv': z.string() }, responses: { 200: { description: 'ok' } } },
        async ({ req }) => {
          const body = streamBody(req, { limit: LIMIT });
          let bytes = 0;
          try {
            for await (const chunk of body.stream) bytes += (chunk as Buffer).length;
            seen.push({ bytes, complete: true });
            return { status: 200, body: { bytes } };
          } catch (err) {
            seen.push({ bytes, complete: false });
            throw err;
          } finally {
            await body.discard();
          }
        },
      )
      .route({ method: 'post', path: '/refuse-early', tag: 't', summary: 's', auth: 'none', responses: { 200: { description: 'never' } } }, async ({ req }) => {
        const body = streamBody(req, { limit: 64 * LIMIT });
        // Reads one chunk, then refuses: the rest of the body must be read off before the answer.
        for await (const _ of body.stream) break;
        await body.discard();
        throw new AppError('validation_failed', 'The first chunk was enough to refuse.');
      })
      .route({ method: 'get', path: '/export', tag: 't', summary: 's', auth: 'none', responses: { 200: { description: 'csv' } } }, async ({ req }) => {
        const rows = Number(req.query.rows);
        const failAt = req.query.fail_at === undefined ? -1 : Number(req.query.fail_at);
        async function* lines() {
          for (let i = 0; i < rows; i++) {
            if (i === failAt) throw new Error('the database went away');
            yield `row ${i}\n`;
          }
        }
        return { status: 200, body: Readable.from(lines()), contentType: 'text/csv' };
      });
    const logger = createLogger({ name: 'body-stream-spec', destination: new Writable({ write: (c, _e, cb) => ((logs += c.toString()), cb()) }) });
    const http = createHttpApp({ logger, metrics: createMetrics('body-stream-spec'), readiness: {}, routers: [router], openapi: { title: 't', version: '1' } });
    server = await listen(http.app, 0, '127.0.0.1');
    base = `http://127.0.0.1:${server.port}`;
  });
  afterAll(() => server.close());

  const post = (path: string, body: Buffer | string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'text/csv', ...headers } });

  it('hands the body over as it arrives, up to and including the limit', async () => {
    const res = await post('/upload', Buffer.alloc(LIMIT, 'a'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ bytes: LIMIT });
  });

  it('a Content-Length past the limit is 413 payload_too_large, answered after the body was read off, and the route sees none of it', async () => {
    const before = seen.length;
    const res = await post('/upload', Buffer.alloc(LIMIT + 1, 'a'));
    expect(res.status).toBe(413);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
    expect(seen.slice(before)).toEqual([{ bytes: 0, complete: false }]);
  });

  it('a chunked body (no length) that grows past the limit is 413 too, and the route never sees it end', async () => {
    const before = seen.length;
    const chunks = async function* () {
      for (let i = 0; i < 20; i++) yield Buffer.alloc(8 * 1024, 'b');
    };
    const res = await fetch(`${base}/upload`, { method: 'POST', body: Readable.toWeb(Readable.from(chunks())) as ReadableStream, headers: { 'content-type': 'text/csv' }, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(413);
    expect(seen.slice(before)).toHaveLength(1);
    expect(seen[before]!.complete).toBe(false);
    expect(seen[before]!.bytes).toBeLessThanOrEqual(LIMIT + 8 * 1024);
  });

  it('a compressed body is 415 unsupported_media_type', async () => {
    const res = await post('/upload', 'abc', { 'content-encoding': 'gzip' });
    expect(res.status).toBe(415);
  });

  it('a refusal after reading part of a large body reaches the client as its answer, not as a reset upload', async () => {
    for (let i = 0; i < 3; i++) {
      const res = await post('/refuse-early', Buffer.alloc(64 * LIMIT, 'c'));
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'validation_failed', message: 'The first chunk was enough to refuse.' } });
    }
  });

  it('streams a Readable body out, every row in order', async () => {
    const res = await fetch(`${base}/export?rows=20000`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).trimEnd().split('\n');
    expect(lines).toHaveLength(20000);
    expect(lines[0]).toBe('row 0');
    expect(lines[19999]).toBe('row 19999');
  });

  it('an error before the first bytes is an ordinary 500; after them the download is cut off, never passed off as complete', async () => {
    const early = await fetch(`${base}/export?rows=10&fail_at=0`);
    expect(early.status).toBe(500);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('internal_error');

    const late = await fetch(`${base}/export?rows=100000&fail_at=50000`);
    expect(late.status).toBe(200);
    await expect(late.text()).rejects.toThrow();
    expect(logs).toContain('streamed response failed midway');
  });
});

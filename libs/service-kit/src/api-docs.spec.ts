import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { docsDefinitions, PUBLIC_API_SERVICES } from './api-docs';
import { ApiRouter, type ApiRouterDeps } from './api-router';
import { createHttpApp } from './http-app';
import { createLogger } from './logger';
import { createMetrics } from './metrics';
import { listen, type Listening } from './server';

const deps: ApiRouterDeps = {
  authenticator: { user: async () => null, admin: () => false, forget: () => undefined },
  idempotency: { begin: async () => ({ kind: 'new' }), complete: async () => undefined, abandon: async () => undefined },
};
const SWAGGER_UI_DIR = path.dirname(require.resolve('swagger-ui-dist/package.json'));

/** An app with one documented route, serving its reference page with these definitions. */
async function serve(docs?: Parameters<typeof createHttpApp>[0]['docs']): Promise<{ base: string; server: Listening }> {
  const router = new ApiRouter(deps).route(
    { method: 'get', path: '/things/:id', tag: 'Things', summary: 'Get a thing', auth: 'none', params: z.object({ id: z.string() }), responses: { 200: { description: 'The thing' } } },
    async ({ params }) => ({ status: 200, body: { id: params.id } }),
  );
  const http = createHttpApp({
    logger: createLogger({ name: 'api-docs-spec', destination: new Writable({ write: (_c, _e, cb) => cb() }) }),
    metrics: createMetrics('api-docs-spec'),
    readiness: {},
    routers: [router],
    openapi: { title: 'Callplane things', version: '1' },
    docs,
  });
  const server = await listen(http.listener, 0, '127.0.0.1');
  return { base: `http://127.0.0.1:${server.port}`, server };
}

describe('the API reference page at /docs', () => {
  let base: string;
  let server: Listening;
  beforeAll(async () => ({ base, server } = await serve()));
  afterAll(() => server.close());

  it('is an HTML page under a strict CSP whose every script and stylesheet is a local file that answers with its type', async () => {
    const res = await fetch(`${base}/docs`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).toContain('<div id="swagger-ui"></div>');
    expect(html).toContain('<title>Callplane things reference</title>');

    // No inline script (the CSP would block it): every <script> loads a file.
    const scripts = [...html.matchAll(/<script([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.length).toBe(3);
    for (const [, attrs, body] of scripts) expect({ attrs: /src="\/docs\//.test(attrs!), body }).toEqual({ attrs: true, body: '' });

    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.every((a) => a.startsWith('/docs/'))).toBe(true);
    const expectedType: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.png': 'image/png' };
    for (const asset of assets) {
      const got = await fetch(`${base}${asset}`);
      expect({ asset, status: got.status, type: got.headers.get('content-type') }).toEqual({ asset, status: 200, type: expectedType[path.extname(asset)] });
      const body = Buffer.from(await got.arrayBuffer());
      if (asset.startsWith('/docs/assets/')) expect(body.equals(readFileSync(path.join(SWAGGER_UI_DIR, path.basename(asset))))).toBe(true);
      else expect(body.length).toBeGreaterThan(0);
    }
    expect(assets).toEqual(expect.arrayContaining(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/init.js']));
  });

  it("points Swagger UI at the service's own /openapi.json, which lists its routes", async () => {
    const init = await (await fetch(`${base}/docs/init.js`)).text();
    expect(init).toContain('url: "/openapi.json"');
    expect(init).toContain('validatorUrl: null');
    expect(init).not.toMatch(/https?:\/\//);
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(['/things/{id}']);
  });

  it('serves no other file of the package, and nothing outside it', async () => {
    for (const p of ['/docs/assets/index.html', '/docs/assets/swagger-initializer.js', '/docs/assets/package.json', '/docs/assets/..%2Fpackage.json', '/docs/assets/%2e%2e%2fhttp-app.ts', '/docs/assets/']) {
      const res = await fetch(`${base}${p}`);
      expect({ p, status: res.status, code: ((await res.json()) as { error: { code: string } }).error.code }).toEqual({ p, status: 404, code: 'not_found' });
    }
  });
});

describe('which documents the page lists', () => {
  it('a public API service lists every public service, its own first, at the paths the edge routes; others list their own', () => {
    expect(docsDefinitions('dialer', 'Callplane dialer')).toEqual([
      { name: 'dialer', url: '/openapi/dialer.json' },
      { name: 'provisioning', url: '/openapi/provisioning.json' },
      { name: 'analytics', url: '/openapi/analytics.json' },
      { name: 'telephony-gateway', url: '/openapi/telephony-gateway.json' },
    ]);
    expect(docsDefinitions('provisioning', 'x').map((d) => d.name)).toEqual([...PUBLIC_API_SERVICES]);
    expect(docsDefinitions('all-in-one', 'Callplane API')).toEqual([{ name: 'Callplane API', url: '/openapi.json' }]);
    expect(docsDefinitions('voice-agent', 'Callplane voice-agent')).toEqual([{ name: 'Callplane voice-agent', url: '/openapi.json' }]);
  });

  it('several documents: the page gets the picker and each listed path of this service answers its document', async () => {
    const { base, server } = await serve({ definitions: docsDefinitions('dialer', 'Callplane dialer'), documentPaths: ['/openapi/dialer.json'] });
    try {
      const init = await (await fetch(`${base}/docs/init.js`)).text();
      expect(init).toContain('"url":"/openapi/provisioning.json"');
      expect(init).toContain('layout: "StandaloneLayout"');
      const own = await fetch(`${base}/openapi/dialer.json`);
      expect(own.status).toBe(200);
      expect(await own.json()).toEqual(await (await fetch(`${base}/openapi.json`)).json());
      // The other services' documents come from them, through the edge: not from this one.
      expect((await fetch(`${base}/openapi/provisioning.json`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});

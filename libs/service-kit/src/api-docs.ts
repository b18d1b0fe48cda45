import path from 'node:path';
import express, { type Router } from 'express';

/**
 * The API reference page at `/docs`: Swagger UI (swagger-ui-dist, a dependency) rendering the service's OpenAPI
 * documents. Its files are served from node_modules under `/docs/assets/`, never from a CDN, so the page works
 * offline and behind a strict Content-Security-Policy: no inline script, scripts and data from this origin only.
 */

/**
 * The services whose documents make up the public API (API.md), in the order the page lists them. The compose edge and
 * the Ingress route `/openapi/<name>.json` to each, and `/docs` to the first, so one page shows them all.
 */
export const PUBLIC_API_SERVICES = ['provisioning', 'dialer', 'analytics', 'telephony-gateway'] as const;

export interface ApiDefinition {
  name: string;
  url: string;
}

/** Where a service's own document is served besides `/openapi.json`: a path the edge can route to it unchanged. */
export const ownDocumentPath = (service: string) => `/openapi/${service}.json`;

/**
 * What a service's page lists: the all-in-one its merged document; a public API service every public service's
 * document (its own first; the others load through the edge or the Ingress); any other service its own.
 */
export function docsDefinitions(service: string, title: string): ApiDefinition[] {
  const publicServices: readonly string[] = PUBLIC_API_SERVICES;
  if (!publicServices.includes(service)) return [{ name: title, url: '/openapi.json' }];
  return [service, ...publicServices.filter((s) => s !== service)].map((s) => ({ name: s, url: ownDocumentPath(s) }));
}

/** swagger-ui-dist's files the page loads, and their content types. Nothing else of the package is served. */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'index.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
  'favicon-16x16.png': 'image/png',
};

/**
 * Swagger UI builds the page with React (style attributes, data: images in its CSS); every script is a file of this
 * origin, and "Try it out" calls this origin only.
 */
export const DOCS_CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} reference</title>
<link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png" sizes="32x32">
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
<link rel="stylesheet" href="/docs/assets/index.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
<script src="/docs/init.js"></script>
</body>
</html>
`;
}

/** The page's own script: which documents to show. One document needs no picker; several get the top bar's. */
function initializer(definitions: ApiDefinition[]): string {
  const source = definitions.length === 1 ? `url: ${JSON.stringify(definitions[0]!.url)}` : `urls: ${JSON.stringify(definitions)}`;
  return `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    ${source},
    dom_id: '#swagger-ui',
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: ${JSON.stringify(definitions.length === 1 ? 'BaseLayout' : 'StandaloneLayout')}
  });
});
`;
}

/** Where swagger-ui-dist is installed; resolved when the page is first served, so a bundle finds it beside dist/. */
function assetsDir(): string {
  return path.dirname(require.resolve('swagger-ui-dist/package.json'));
}

export function apiDocsRouter(opts: { title: string; definitions: ApiDefinition[] }): Router {
  const router = express.Router();
  const html = page(opts.title);
  const init = initializer(opts.definitions);
  router.get('/docs', (_req, res) => {
    res.set({ 'content-security-policy': DOCS_CSP, 'cache-control': 'no-cache' }).type('text/html; charset=utf-8').send(html);
  });
  router.get('/docs/init.js', (_req, res) => {
    res.set('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(init);
  });
  router.get('/docs/assets/:file', (req, res, next) => {
    const file = req.params.file;
    const type = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!type) return next();
    res.set({ 'content-type': type, 'cache-control': 'public, max-age=86400' });
    res.sendFile(path.join(assetsDir(), file), (err) => err && next(err));
  });
  return router;
}

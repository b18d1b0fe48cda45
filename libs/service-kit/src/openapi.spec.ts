import { bootTestService, httpRequest, type TestService } from '@callplane/testing';
import { z } from 'zod';
import { ApiRouter, type ApiRouterDeps } from './api-router';
import type { ServiceModule } from './service-module';

const widgetCreate = z.object({ name: z.string().min(1), size: z.number().int().min(1).max(10).optional() }).strict();
const widget = z.object({ id: z.string(), name: z.string() });

/** A module declaring one route per kind of auth and body, the way service routes are declared. */
function specModule(routerDeps: ApiRouterDeps): ServiceModule {
  const router = new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/spec/widgets',
        tag: 'Widgets',
        summary: 'Create a widget',
        auth: 'user',
        idempotent: true,
        body: widgetCreate,
        responses: { 201: { description: 'Created', schema: widget } },
      },
      async ({ body }) => ({ status: 201, body: { id: 'wid_1', name: body.name } }),
    )
    .route(
      {
        method: 'get',
        path: '/spec/widgets/:widget_id',
        tag: 'Widgets',
        summary: 'Get a widget',
        auth: 'user',
        params: z.object({ widget_id: z.string() }),
        query: z.object({ expand: z.enum(['parts']).optional() }),
        responses: { 200: { description: 'The widget', schema: widget } },
      },
      async ({ params }) => ({ status: 200, body: { id: params.widget_id, name: 'w' } }),
    )
    .route(
      { method: 'post', path: '/spec/admin/widgets', tag: 'Operator', summary: 'Seed widgets', auth: 'admin', body: widgetCreate, responses: { 201: { description: 'Created' } } },
      async () => ({ status: 201, body: {} }),
    )
    .route(
      {
        method: 'post',
        path: '/spec/hooks/:hook_id',
        tag: 'Provider webhooks',
        summary: 'A provider webhook',
        description: 'Authenticated by a provider signature.',
        auth: 'none',
        bodyType: 'application/x-www-form-urlencoded',
        params: z.object({ hook_id: z.string() }),
        body: z.record(z.string(), z.string()),
        responses: { 200: { description: 'TwiML', contentType: 'text/xml', schema: z.string() } },
      },
      async () => ({ status: 200, body: '<Response/>', contentType: 'text/xml' }),
    );
  return { name: 'openapi-spec', routers: [router] };
}

interface Operation {
  summary?: string;
  description?: string;
  tags?: string[];
  security?: Array<Record<string, string[]>>;
  parameters?: Array<{ name: string; in: string; required?: boolean }>;
  requestBody?: { content: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, unknown> }> }>;
}

describe('GET /openapi.json', () => {
  let svc: TestService;
  let doc: { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>>; components: { securitySchemes: Record<string, unknown> } };
  const op = (path: string, method: string) => {
    const o = doc.paths[path]?.[method];
    if (!o) throw new Error(`${method.toUpperCase()} ${path} is not in the document; it has ${Object.keys(doc.paths).join(', ')}`);
    return o;
  };

  beforeAll(async () => {
    svc = await bootTestService({ name: 'openapi-spec', modules: ({ routerDeps }) => [specModule(routerDeps)] });
    const res = await httpRequest('GET', `${svc.url}/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    doc = res.body as unknown as typeof doc;
  });
  afterAll(async () => {
    await svc?.stop();
  });

  test('is OpenAPI 3.1 with the service title and both bearer schemes', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Callplane openapi-spec', version: '0.1.0' });
    expect(doc.components.securitySchemes).toEqual({
      apiKey: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
      adminToken: expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    });
  });

  test('lists exactly the declared routes, with express :params published as {params}', () => {
    expect(Object.keys(doc.paths).sort()).toEqual(['/spec/admin/widgets', '/spec/hooks/{hook_id}', '/spec/widgets', '/spec/widgets/{widget_id}']);
    expect(Object.keys(doc.paths['/spec/widgets']!)).toEqual(['post']);
  });

  test('each route carries its security scheme: api key, operator token, or none', () => {
    expect(op('/spec/widgets', 'post').security).toEqual([{ apiKey: [] }]);
    expect(op('/spec/widgets/{widget_id}', 'get').security).toEqual([{ apiKey: [] }]);
    expect(op('/spec/admin/widgets', 'post').security).toEqual([{ adminToken: [] }]);
    expect(op('/spec/hooks/{hook_id}', 'post').security).toEqual([]);
  });

  test('request bodies carry their schema and media type', () => {
    const body = op('/spec/widgets', 'post').requestBody!.content['application/json']!.schema;
    expect(body).toMatchObject({ type: 'object', properties: { name: { type: 'string', minLength: 1 }, size: { type: 'integer', minimum: 1, maximum: 10 } }, required: ['name'], additionalProperties: false });
    const form = op('/spec/hooks/{hook_id}', 'post').requestBody!.content;
    expect(Object.keys(form)).toEqual(['application/x-www-form-urlencoded']);
    expect(op('/spec/widgets/{widget_id}', 'get').requestBody).toBeUndefined();
  });

  test('path, query and Idempotency-Key parameters are described', () => {
    const get = op('/spec/widgets/{widget_id}', 'get').parameters ?? [];
    expect(get).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'widget_id', in: 'path', required: true }), expect.objectContaining({ name: 'expand', in: 'query' })]));
    const post = op('/spec/widgets', 'post').parameters ?? [];
    expect(post).toEqual([expect.objectContaining({ name: 'idempotency-key', in: 'header' })]);
    expect(op('/spec/admin/widgets', 'post').parameters ?? []).toEqual([]);
  });

  test('every route documents its success response and the shared error response', () => {
    expect(op('/spec/widgets', 'post').responses['201']!.content!['application/json']!.schema).toMatchObject({ type: 'object', properties: { id: { type: 'string' }, name: { type: 'string' } } });
    expect(op('/spec/hooks/{hook_id}', 'post').responses['200']!.content).toEqual({ 'text/xml': { schema: { type: 'string' } } });
    expect(op('/spec/admin/widgets', 'post').responses['201']).toEqual({ description: 'Created' });
    for (const [path, methods] of Object.entries(doc.paths)) {
      for (const [method, o] of Object.entries(methods)) {
        const error = o.responses.default?.content?.['application/json']?.schema;
        expect({ path, method, error }).toEqual({
          path,
          method,
          error: expect.objectContaining({
            type: 'object',
            required: ['error'],
            properties: { error: expect.objectContaining({ type: 'object', required: ['code', 'message'], properties: expect.objectContaining({ code: { type: 'string' }, message: { type: 'string' }, details: expect.anything() }) }) },
          }),
        });
      }
    }
  });

  test('summaries, descriptions and tags are carried over', () => {
    expect(op('/spec/hooks/{hook_id}', 'post')).toMatchObject({ summary: 'A provider webhook', description: 'Authenticated by a provider signature.', tags: ['Provider webhooks'] });
  });

  test('the documented routes behave as documented: the api-key route refuses a request without a key', async () => {
    const res = await httpRequest('POST', `${svc.url}/spec/widgets`, { json: { name: 'w' } });
    expect(res.status).toBe(401);
    expect(res.body).toMatchObject({ error: { code: 'unauthorized' } });
    const hook = await httpRequest('POST', `${svc.url}/spec/hooks/h1`, { form: { a: 'b' } });
    expect(hook.status).toBe(200);
    expect(hook.text).toBe('<Response/>');
  });
});

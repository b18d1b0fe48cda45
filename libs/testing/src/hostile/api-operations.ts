/** The part of JSON Schema (OpenAPI 3.1) our routes' schemas use. */
export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
}

export interface ApiParameter {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

/** One method and path of the public API, as the OpenAPI document describes it. */
export interface ApiOperation {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** OpenAPI template: `/voice/agents/{agent_id}`. */
  path: string;
  /** The bearer the route takes: a user's API key, the operator token, or none (provider webhooks, which sign instead). */
  auth: 'user' | 'admin' | 'none';
  pathParams: ApiParameter[];
  query: ApiParameter[];
  /** The request body's content types and the schema of the first; null when the route takes none. */
  body: { contentTypes: string[]; schema: JsonSchema | undefined } | null;
  /** The route honours Idempotency-Key. */
  idempotent: boolean;
}

export const operationLabel = (op: ApiOperation): string => `${op.method} ${op.path}`;

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema>; securitySchemes?: Record<string, { description?: string }> };
}
interface OpenApiOperation {
  security?: Array<Record<string, unknown>>;
  parameters?: Array<{ name: string; in: string; schema?: JsonSchema; required?: boolean }>;
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;
/** The security schemes the services publish (libs/service-kit openapi.ts). */
const AUTH_BY_SCHEME: Record<string, ApiOperation['auth']> = { apiKey: 'user', adminToken: 'admin' };

/**
 * Every operation of an OpenAPI document (the one a service serves at `/openapi.json`), with `$ref`s resolved: the
 * routes a hostile run covers, so a route added to a service is covered without anyone listing it.
 */
export function apiOperations(document: unknown): ApiOperation[] {
  const doc = document as OpenApiDocument;
  const resolve = schemaResolver(doc);
  const ops: ApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
      const auth = schemes.length === 0 ? 'none' : AUTH_BY_SCHEME[schemes[0]!];
      if (!auth) throw new Error(`${method.toUpperCase()} ${path}: unknown security scheme ${schemes[0]}`);
      const params = (where: string) =>
        (op.parameters ?? []).filter((p) => p.in === where).map((p) => ({ name: p.name, schema: resolve(p.schema ?? {}), required: p.required ?? where === 'path' }));
      const content = op.requestBody?.content;
      const contentTypes = content ? Object.keys(content) : [];
      ops.push({
        method: method.toUpperCase() as ApiOperation['method'],
        path,
        auth,
        pathParams: params('path'),
        query: params('query'),
        body: content ? { contentTypes, schema: content[contentTypes[0]!]?.schema ? resolve(content[contentTypes[0]!]!.schema!) : undefined } : null,
        idempotent: params('header').some((p) => p.name.toLowerCase() === 'idempotency-key'),
      });
    }
  }
  return ops;
}

/** Inlines `#/components/schemas/…` references (none today: the services' schemas are inline). */
function schemaResolver(doc: OpenApiDocument): (s: JsonSchema) => JsonSchema {
  const resolve = (s: JsonSchema, depth = 0): JsonSchema => {
    if (depth > 20) return {};
    if (s.$ref) {
      const name = /^#\/components\/schemas\/(.+)$/.exec(s.$ref)?.[1];
      const target = name ? doc.components?.schemas?.[name] : undefined;
      if (!target) throw new Error(`unresolvable $ref ${s.$ref}`);
      return resolve(target, depth + 1);
    }
    const out: JsonSchema = { ...s };
    if (s.properties) out.properties = Object.fromEntries(Object.entries(s.properties).map(([k, v]) => [k, resolve(v, depth + 1)]));
    if (s.items) out.items = resolve(s.items, depth + 1);
    if (s.additionalProperties && typeof s.additionalProperties === 'object') out.additionalProperties = resolve(s.additionalProperties, depth + 1);
    for (const k of ['anyOf', 'oneOf', 'allOf'] as const) if (s[k]) out[k] = s[k]!.map((x) => resolve(x, depth + 1));
    return out;
  };
  return (s) => resolve(s);
}

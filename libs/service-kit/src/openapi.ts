import { OpenApiGeneratorV31, type OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';

export interface OpenApiInfo {
  title: string;
  version: string;
  description?: string;
}

/** Builds the OpenAPI 3.1 document from the registries of one service, or of every service in the all-in-one. */
export function buildOpenApiDocument(registries: OpenAPIRegistry[], info: OpenApiInfo): object {
  const definitions = registries.flatMap((r) => r.definitions);
  const generator = new OpenApiGeneratorV31(definitions);
  const doc = generator.generateDocument({ openapi: '3.1.0', info: { ...info } });
  const components = (doc.components ??= {});
  components.securitySchemes = {
    apiKey: { type: 'http', scheme: 'bearer', description: "A user's API key" },
    adminToken: { type: 'http', scheme: 'bearer', description: 'The operator ADMIN_TOKEN' },
  };
  return doc;
}

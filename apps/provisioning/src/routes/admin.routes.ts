import { tenantCreateSchema, tenantSchema, userCreatedSchema, userCreateSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { ProvisioningDeps } from '../usecases/deps';
import { createTenant, createUser } from '../usecases/tenants.usecase';

export function adminRoutes(routerDeps: ApiRouterDeps, deps: ProvisioningDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/admin/tenants',
        tag: 'Operator',
        summary: 'Create a tenant',
        description:
          'Without LiveKit (the sandbox), the tenant is also given its own sandbox number to place calls from: provider sip, outbound enabled, ' +
          'from the fictional +1 (555) 012-XXXX block. Its users find it with GET /voice/phone-numbers.',
        auth: 'admin',
        idempotent: true,
        body: tenantCreateSchema,
        responses: { 201: { description: 'Created', schema: tenantSchema } },
      },
      async ({ body, log }) => ({ status: 201, body: await createTenant(deps, log, body) }),
    )
    .route(
      {
        method: 'post',
        path: '/admin/tenants/:tenant_id/users',
        tag: 'Operator',
        summary: 'Create a user and issue their API key (shown only in this response)',
        auth: 'admin',
        idempotent: true,
        sensitiveResponse: true,
        params: z.object({ tenant_id: z.string().max(100) }),
        body: userCreateSchema,
        responses: { 201: { description: 'Created', schema: userCreatedSchema } },
      },
      async ({ params, body }) => ({ status: 201, body: await createUser(deps, params.tenant_id, body) }),
    );
}

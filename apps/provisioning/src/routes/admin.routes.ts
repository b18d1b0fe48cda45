import { listQuerySchema, tenantCreateSchema, tenantListSchema, tenantSchema, userCreatedSchema, userCreateSchema, userListSchema, userSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { ProvisioningDeps } from '../usecases/deps';
import { createTenant, createUser, listTenants, listUsers, revokeUser } from '../usecases/tenants.usecase';

const tag = 'Operator';
const tenantParams = z.object({ tenant_id: z.string().max(100) });

export function adminRoutes(routerDeps: ApiRouterDeps, deps: ProvisioningDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/admin/tenants',
        tag,
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
      { method: 'get', path: '/admin/tenants', tag, summary: 'List tenants, newest first', auth: 'admin', query: listQuerySchema, responses: { 200: { description: 'A page of tenants', schema: tenantListSchema } } },
      async ({ query }) => ({ status: 200, body: await listTenants(deps, query) }),
    )
    .route(
      {
        method: 'post',
        path: '/admin/tenants/:tenant_id/users',
        tag,
        summary: 'Create a user and issue their API key (shown only in this response)',
        auth: 'admin',
        idempotent: true,
        sensitiveResponse: true,
        params: tenantParams,
        body: userCreateSchema,
        responses: { 201: { description: 'Created', schema: userCreatedSchema } },
      },
      async ({ params, body }) => ({ status: 201, body: await createUser(deps, params.tenant_id, body) }),
    )
    .route(
      {
        method: 'get',
        path: '/admin/tenants/:tenant_id/users',
        tag,
        summary: "List a tenant's users, newest first (never their keys)",
        auth: 'admin',
        params: tenantParams,
        query: listQuerySchema,
        responses: { 200: { description: 'A page of users', schema: userListSchema } },
      },
      async ({ params, query }) => ({ status: 200, body: await listUsers(deps, params.tenant_id, query) }),
    )
    .route(
      {
        method: 'post',
        path: '/admin/tenants/:tenant_id/users/:user_id/revoke',
        tag,
        summary: "Revoke a user's API key",
        description: 'From then on the key is refused (401). The user stays listed with revoked_at; revoking again changes nothing.',
        auth: 'admin',
        params: tenantParams.extend({ user_id: z.string().max(100) }),
        responses: { 200: { description: 'The user, revoked', schema: userSchema } },
      },
      async ({ params }) => ({ status: 200, body: await revokeUser(deps, params.tenant_id, params.user_id, (id) => routerDeps.authenticator.forget(id)) }),
    );
}

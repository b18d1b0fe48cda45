import { agentCreateSchema, agentListSchema, agentPatchSchema, agentSchema, assignPhoneSchema, listQuerySchema, phoneNumberSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { createAgent, deleteAgent, getAgent, listAgents, updateAgent } from '../usecases/agents.usecase';
import type { ProvisioningDeps } from '../usecases/deps';
import { assignPhone, unassignPhone } from '../usecases/phone-numbers.usecase';

const agentParams = z.object({ agent_id: z.string().max(100) });
const tag = 'Agents';

export function agentRoutes(routerDeps: ApiRouterDeps, deps: ProvisioningDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      { method: 'post', path: '/voice/agents', tag, summary: 'Create an agent', auth: 'user', idempotent: true, body: agentCreateSchema, responses: { 201: { description: 'Created', schema: agentSchema } } },
      async ({ principal, body }) => ({ status: 201, body: await createAgent(deps, principal.tenantId, body) }),
    )
    .route(
      { method: 'get', path: '/voice/agents', tag, summary: 'List agents', auth: 'user', query: listQuerySchema, responses: { 200: { description: 'A page of agents', schema: agentListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listAgents(deps, principal.tenantId, query) }),
    )
    .route(
      { method: 'get', path: '/voice/agents/:agent_id', tag, summary: 'Get an agent', auth: 'user', params: agentParams, responses: { 200: { description: 'The agent', schema: agentSchema } } },
      async ({ principal, params }) => ({ status: 200, body: await getAgent(deps, principal.tenantId, params.agent_id) }),
    )
    .route(
      { method: 'patch', path: '/voice/agents/:agent_id', tag, summary: 'Change an agent', auth: 'user', params: agentParams, body: agentPatchSchema, responses: { 200: { description: 'The agent', schema: agentSchema } } },
      async ({ principal, params, body }) => ({ status: 200, body: await updateAgent(deps, principal.tenantId, params.agent_id, body) }),
    )
    .route(
      { method: 'delete', path: '/voice/agents/:agent_id', tag, summary: 'Delete an agent (its numbers are unassigned)', auth: 'user', params: agentParams, responses: { 204: { description: 'Deleted' } } },
      async ({ principal, params }) => {
        await deleteAgent(deps, principal.tenantId, params.agent_id);
        return { status: 204 };
      },
    )
    .route(
      {
        method: 'put',
        path: '/voice/agents/:agent_id/phone',
        tag,
        summary: 'Deploy to phone: assign a number to this agent',
        auth: 'user',
        params: agentParams,
        body: assignPhoneSchema,
        responses: { 200: { description: 'The assigned number', schema: phoneNumberSchema } },
      },
      async ({ principal, params, body }) => ({ status: 200, body: await assignPhone(deps, principal.tenantId, params.agent_id, body) }),
    )
    .route(
      {
        method: 'delete',
        path: '/voice/agents/:agent_id/phone/:phone_id',
        tag,
        summary: 'Unassign a number from this agent',
        auth: 'user',
        params: agentParams.extend({ phone_id: z.string().max(100) }),
        responses: { 204: { description: 'Unassigned' } },
      },
      async ({ principal, params }) => {
        await unassignPhone(deps, principal.tenantId, params.agent_id, params.phone_id);
        return { status: 204 };
      },
    );
}

import { sessionListQuerySchema, sessionListSchema, sessionSchema } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { getSession, listSessions } from '../usecases/sessions.usecase';

export function sessionRoutes(routerDeps: ApiRouterDeps, prisma: PrismaClient): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      { method: 'get', path: '/voice/sessions', tag: 'Sessions', summary: 'List call sessions, newest first', auth: 'user', query: sessionListQuerySchema, responses: { 200: { description: 'A page of sessions', schema: sessionListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listSessions(prisma, principal.tenantId, query) }),
    )
    .route(
      { method: 'get', path: '/voice/sessions/:session_id', tag: 'Sessions', summary: 'Get a call session', auth: 'user', params: z.object({ session_id: z.string().max(100) }), responses: { 200: { description: 'The session', schema: sessionSchema } } },
      async ({ principal, params }) => ({ status: 200, body: await getSession(prisma, principal.tenantId, params.session_id) }),
    );
}

import { analyticsSummaryQuerySchema, analyticsSummarySchema, leadListQuerySchema, leadListSchema, sessionListQuerySchema, sessionListSchema, sessionSchema } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { listLeads } from '../usecases/leads.usecase';
import type { PriceBook } from '../usecases/price-book';
import { getSession, listSessions, summarize } from '../usecases/sessions.usecase';

export function sessionRoutes(routerDeps: ApiRouterDeps, prisma: PrismaClient, prices: PriceBook): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      { method: 'get', path: '/voice/sessions', tag: 'Sessions', summary: 'List call sessions, newest first', auth: 'user', query: sessionListQuerySchema, responses: { 200: { description: 'A page of sessions', schema: sessionListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listSessions(prisma, principal.tenantId, query) }),
    )
    .route(
      { method: 'get', path: '/voice/sessions/:session_id', tag: 'Sessions', summary: 'Get a call session', auth: 'user', params: z.object({ session_id: z.string().max(100) }), responses: { 200: { description: 'The session', schema: sessionSchema } } },
      async ({ principal, params }) => ({ status: 200, body: await getSession(prisma, principal.tenantId, params.session_id) }),
    )
    .route(
      {
        method: 'get',
        path: '/voice/analytics/summary',
        tag: 'Sessions',
        summary: 'Totals of calls, minutes and cost',
        description: 'Calls started in [since, until), of one campaign with `campaign_id`. Studio test calls are reported apart from paying calls.',
        auth: 'user',
        query: analyticsSummaryQuerySchema,
        responses: { 200: { description: 'The summary', schema: analyticsSummarySchema } },
      },
      async ({ principal, query }) => ({ status: 200, body: await summarize(prisma, prices, principal.tenantId, query) }),
    )
    .route(
      { method: 'get', path: '/voice/leads', tag: 'Sessions', summary: 'Callers of inbound calls, newest first', auth: 'user', query: leadListQuerySchema, responses: { 200: { description: 'A page of leads', schema: leadListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listLeads(prisma, principal.tenantId, query) }),
    );
}

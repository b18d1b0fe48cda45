import { priceTableSchema, priceTableVersionSchema } from '@callplane/contracts';
import type { PrismaClient } from '@callplane/db';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { PriceBook } from '../usecases/price-book';

export function pricingRoutes(routerDeps: ApiRouterDeps, prisma: PrismaClient, prices: PriceBook): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      { method: 'get', path: '/admin/pricing', tag: 'Operator', summary: 'The active price table', auth: 'admin', responses: { 200: { description: 'The active version', schema: priceTableVersionSchema } } },
      async () => ({ status: 200, body: await prices.active(prisma) }),
    )
    .route(
      {
        method: 'put',
        path: '/admin/pricing',
        tag: 'Operator',
        summary: 'Replace the active price table',
        description: 'Adds a new version and makes it active. Sessions analytics has already seen keep the version they were rated with; calls first seen afterwards use the new one.',
        auth: 'admin',
        body: priceTableSchema,
        responses: { 200: { description: 'The new active version', schema: priceTableVersionSchema } },
      },
      async ({ body }) => ({ status: 200, body: await prices.replace(prisma, body) }),
    );
}

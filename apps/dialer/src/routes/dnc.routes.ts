import { dialNumberSchema, dncAddResultSchema, dncAddSchema, dncListSchema, listQuerySchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { DialerDeps } from '../usecases/deps';
import { addDoNotCallNumbers, listDoNotCallNumbers, removeDoNotCallNumber } from '../usecases/do-not-call.usecase';

const tag = 'Do-not-call list';

/** The tenant's do-not-call list (API.md "Do-not-call list"), honoured by every outbound path. */
export function dncRoutes(routerDeps: ApiRouterDeps, deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/voice/dnc',
        tag,
        summary: 'Add numbers to your do-not-call list',
        description:
          'The dial API, scheduled calls (checked again when they fire) and studio test calls refuse a listed destination with 409 do_not_call; ' +
          'campaigns skip it (contact state do_not_call). `added` counts the numbers that were not listed yet: adding one twice changes nothing.',
        auth: 'user',
        idempotent: true,
        body: dncAddSchema,
        responses: { 200: { description: 'Added', schema: dncAddResultSchema } },
      },
      async ({ principal, body, log }) => ({ status: 200, body: await addDoNotCallNumbers(deps, log, principal.tenantId, body.numbers) }),
    )
    .route(
      { method: 'get', path: '/voice/dnc', tag, summary: 'List your do-not-call numbers, newest first', auth: 'user', query: listQuerySchema, responses: { 200: { description: 'A page of numbers', schema: dncListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listDoNotCallNumbers(deps, principal.tenantId, query) }),
    )
    .route(
      {
        method: 'delete',
        path: '/voice/dnc/:number',
        tag,
        summary: 'Remove a number from your do-not-call list',
        description: 'The number in E.164 with its `+` percent-encoded: `DELETE /voice/dnc/%2B14155551234`.',
        auth: 'user',
        params: z.object({ number: dialNumberSchema }),
        responses: { 204: { description: 'Removed' } },
      },
      async ({ principal, params, log }) => {
        await removeDoNotCallNumber(deps, log, principal.tenantId, params.number);
        return { status: 204 };
      },
    );
}

import { BYOK_PROVIDERS, byokAvailableBodySchema, byokAvailableResponseSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { listAvailableNumbers, type ByokAdapters } from '../usecases/byok-available.usecase';

export function byokRoutes(routerDeps: ApiRouterDeps, adapters: ByokAdapters): ApiRouter {
  return new ApiRouter(routerDeps).route(
    {
      method: 'post',
      path: '/voice/phone-numbers/byok/:provider/available',
      tag: 'Phone numbers',
      summary: "List the numbers on your own provider account (Twilio, Plivo, Exotel, Vobiz)",
      description: 'The credentials are used for this request only and never stored or returned. Provider failures: 422 invalid_credentials, plivo_subaccount_credentials, plivo_zentrunk_required; 502 provider_unavailable (retry).',
      auth: 'user',
      params: z.object({ provider: z.enum(BYOK_PROVIDERS as [string, ...string[]]) }),
      body: byokAvailableBodySchema,
      responses: { 200: { description: 'Numbers on the account', schema: byokAvailableResponseSchema } },
    },
    async ({ params, body }) => ({ status: 200, body: await listAvailableNumbers(adapters, params.provider as keyof ByokAdapters, body.credentials) }),
  );
}

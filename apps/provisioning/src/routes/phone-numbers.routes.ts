import { byoNumberCreateSchema, listQuerySchema, phoneNumberListSchema, phoneNumberSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { ProvisioningDeps } from '../usecases/deps';
import { addByoNumber, deletePhoneNumber, getPhoneNumber, listPhoneNumbers } from '../usecases/phone-numbers.usecase';

const phoneParams = z.object({ phone_id: z.string().max(100) });
const tag = 'Phone numbers';

export function phoneNumberRoutes(routerDeps: ApiRouterDeps, deps: ProvisioningDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/voice/phone-numbers',
        tag,
        summary: 'Add a bring-your-own number from any provider',
        description: "Returns the webhook URL to set as the number's voice webhook. With signing_secret (the provider's auth token) webhooks must carry a valid Twilio-style X-Twilio-Signature.",
        auth: 'user',
        idempotent: true,
        body: byoNumberCreateSchema,
        responses: { 201: { description: 'Created', schema: phoneNumberSchema } },
      },
      async ({ principal, body, log }) => ({ status: 201, body: await addByoNumber(deps, log, principal.tenantId, body) }),
    )
    .route(
      { method: 'get', path: '/voice/phone-numbers', tag, summary: 'List phone numbers', auth: 'user', query: listQuerySchema, responses: { 200: { description: 'A page of numbers', schema: phoneNumberListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listPhoneNumbers(deps, principal.tenantId, query) }),
    )
    .route(
      { method: 'get', path: '/voice/phone-numbers/:phone_id', tag, summary: 'Get a phone number', auth: 'user', params: phoneParams, responses: { 200: { description: 'The number', schema: phoneNumberSchema } } },
      async ({ principal, params }) => ({ status: 200, body: await getPhoneNumber(deps, principal.tenantId, params.phone_id) }),
    )
    .route(
      {
        method: 'delete',
        path: '/voice/phone-numbers/:phone_id',
        tag,
        summary: 'Release a phone number',
        description:
          'For an imported number, removes what the import created (carrier inbound routing, LiveKit dispatch rule and trunks, carrier trunks and credentials) before forgetting it. ' +
          'If the provider refuses part of that, the number stays, in state needs_attention, and a later DELETE carries on (502 provider_unavailable or release_incomplete). ' +
          'Read delete_warning on GET first: an Indian Plivo number cannot be imported again after release.',
        auth: 'user',
        params: phoneParams,
        responses: { 204: { description: 'Deleted' } },
      },
      async ({ principal, params, log }) => {
        await deletePhoneNumber(deps, log, principal.tenantId, params.phone_id);
        return { status: 204 };
      },
    );
}

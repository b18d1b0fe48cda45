import {
  BYOK_PROVIDERS,
  byokAvailableBodySchema,
  byokAvailableResponseSchema,
  byokImportBodySchema,
  exotelConfigureInboundResponseSchema,
  phoneNumberSchema,
} from '@callplane/contracts';
import type { ByokAdapters } from '@callplane/providers';
import { ApiRouter, notFound, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { listAvailableNumbers } from '../usecases/byok-available.usecase';
import { configureInbound } from '../usecases/configure-inbound.usecase';
import { importNumber } from '../usecases/import-number.usecase';
import type { ProvisioningDeps } from '../usecases/deps';

const tag = 'Phone numbers';
const providerParams = z.object({ provider: z.enum(BYOK_PROVIDERS as [string, ...string[]]) });
type Provider = keyof ByokAdapters;

export function byokRoutes(routerDeps: ApiRouterDeps, deps: ProvisioningDeps, adapters: ByokAdapters): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/voice/phone-numbers/byok/:provider/available',
        tag,
        summary: 'List the numbers on your own provider account (Twilio, Plivo, Exotel, Vobiz)',
        description:
          'The credentials are used for this request only and never stored or returned. Provider failures: 422 invalid_credentials, plivo_subaccount_credentials, plivo_zentrunk_required; 502 provider_unavailable (retry).',
        auth: 'user',
        params: providerParams,
        body: byokAvailableBodySchema,
        responses: { 200: { description: 'Numbers on the account', schema: byokAvailableResponseSchema } },
      },
      async ({ params, body }) => ({ status: 200, body: await listAvailableNumbers(adapters, params.provider as Provider, body.credentials) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/phone-numbers/byok/:provider/import',
        tag,
        summary: 'Import a number from your own provider account and set it up for inbound and outbound calls',
        description:
          'Runs the provider\'s setup steps (SIP trunks, credentials, LiveKit trunks and dispatch rule, inbound routing) one by one. A failed step undoes the earlier ones; ' +
          'what cannot be undone leaves the number in state needs_attention with the reason. Credentials are stored encrypted and shown only as credential_hint. ' +
          'Errors: 422 invalid_credentials, plivo_subaccount_credentials, plivo_zentrunk_required, provider_rejected; 409 plivo_india_number_locked, number_already_exists, import_in_progress; ' +
          '502 provider_unavailable, livekit_unavailable (retry); 409 livekit_not_configured (after the body is checked: a bad body is 400 validation_failed either way).',
        auth: 'user',
        idempotent: true,
        params: providerParams,
        body: byokImportBodySchema,
        responses: { 201: { description: 'Imported', schema: phoneNumberSchema } },
      },
      async ({ params, body, principal, log }) => ({ status: 201, body: await importNumber(deps, log, principal.tenantId, params.provider as Provider, body) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/exotel/byok/configure-inbound/:phone_id',
        tag,
        summary: "Point an imported ExoPhone's inbound calls at Callplane again",
        description: 'Sets the ExoPhone\'s VoiceUrl to the Passthru URL. Safe to retry. When Exotel refuses, answers configured: false with the manual steps.',
        auth: 'user',
        params: z.object({ phone_id: z.string().max(100) }),
        responses: { 200: { description: 'The outcome', schema: exotelConfigureInboundResponseSchema } },
      },
      async ({ params, principal, log }) => {
        // Exotel's importer is the only one that repeats inbound routing, so the path and its 404 name Exotel.
        const outcome = await configureInbound(deps, log, principal.tenantId, params.phone_id);
        if (!outcome) throw notFound('The Exotel number');
        return { status: 200, body: outcome };
      },
    );
}

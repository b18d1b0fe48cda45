import { CARRIERS, EXOTEL_WEBHOOK_DOCS, exotelParams, webhookPaths } from '@callplane/providers';
import { ApiRouter, type ApiRouterDeps, type WebhookRequest } from '@callplane/service-kit';
import { z } from 'zod';
import { handleCallStatus } from '../usecases/call-status.usecase';
import type { GatewayDeps } from '../usecases/deps';
import { handleInboundCall } from '../usecases/inbound-call.usecase';
import type { CarrierWebhookCall } from '../usecases/webhook-steps';

export interface ExotelRouteOptions {
  /** `EXOTEL_API_BASE_URL`: where Exotel's API is (tests: FakeExotel); the account's own region when unset. */
  apiBaseUrl?: string;
  /** Call Details lookups slower than this count as Exotel being unavailable. Exotel waits 15 s for our answer. */
  timeoutMs?: number;
  /** How long a confirmed CallSid is remembered. */
  confirmTtlMs?: number;
}

const phoneParams = z.object({ phone_id: z.string().max(100) });
const format = CARRIERS.exotel.webhooks;
const paths = webhookPaths(format, ':phone_id');

/** Exotel's Passthru applet and StatusCallback, for imported Exotel numbers. */
export function exotelRoutes(routerDeps: ApiRouterDeps, deps: GatewayDeps, opts: ExotelRouteOptions = {}): ApiRouter {
  const webhooks = format.create({ apiBaseUrl: opts.apiBaseUrl, timeoutMs: opts.timeoutMs, confirmTtlMs: opts.confirmTtlMs });
  const docs = EXOTEL_WEBHOOK_DOCS;
  /** The request as the use cases read it; Exotel's parameters come from the query, the body, or both. */
  const call = (phoneId: string, req: WebhookRequest, params: Record<string, string>): CarrierWebhookCall => ({
    phoneId,
    request: { publicUrl: `${deps.publicBaseUrl}${req.originalUrl}`, header: (name) => req.header(name), params },
  });

  const incoming = {
    path: paths.incoming,
    tag: 'Provider webhooks',
    auth: 'none' as const,
    params: phoneParams,
    responses: {
      200: { description: docs.incoming.answer, contentType: webhooks.contentType, schema: z.string() },
      400: { description: docs.incoming.invalid },
      403: { description: docs.incoming.refused },
      404: { description: docs.incoming.unknownNumber },
    },
  };
  const answer = async (phoneId: string, req: WebhookRequest, params: Record<string, string>) => ({
    status: 200,
    body: await handleInboundCall(deps, webhooks, call(phoneId, req, params)),
    contentType: webhooks.contentType,
  });

  return new ApiRouter(routerDeps)
    .route(
      { ...incoming, method: 'get', summary: docs.incoming.summaryGet, description: docs.incoming.description, query: docs.incoming.params },
      async ({ params, req }) => answer(params.phone_id, req, exotelParams(req.query)),
    )
    .route(
      {
        ...incoming,
        method: 'post',
        summary: docs.incoming.summaryPost,
        description: docs.incoming.description,
        bodyType: 'application/x-www-form-urlencoded',
        body: docs.incoming.params,
        bodyValidation: 'handler',
      },
      async ({ params, req }) => answer(params.phone_id, req, exotelParams(req.query, req.body)),
    )
    .route(
      {
        method: 'post',
        path: paths.status,
        tag: 'Provider webhooks',
        summary: docs.status.summary,
        description: docs.status.description,
        auth: 'none',
        params: phoneParams,
        bodyType: 'application/x-www-form-urlencoded',
        body: docs.status.params,
        bodyValidation: 'handler',
        responses: {
          204: { description: 'Applied, or nothing to do' },
          400: { description: docs.status.invalid },
          403: { description: docs.status.refused },
          404: { description: docs.status.unknownNumber },
          502: { description: docs.status.unavailable },
        },
      },
      async ({ params, req }) => {
        await handleCallStatus(deps, webhooks, call(params.phone_id, req, exotelParams(req.body)));
        return { status: 204 };
      },
    );
}

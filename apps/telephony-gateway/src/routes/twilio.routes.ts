import { CARRIERS, formParams, TWILIO_WEBHOOK_DOCS, TWIML_CONTENT_TYPE, webhookPaths } from '@callplane/providers';
import { ApiRouter, type ApiRouterDeps, type WebhookRequest } from '@callplane/service-kit';
import { z } from 'zod';
import { handleCallStatus } from '../usecases/call-status.usecase';
import type { GatewayDeps } from '../usecases/deps';
import { handleInboundCall } from '../usecases/inbound-call.usecase';
import type { CarrierWebhookCall } from '../usecases/webhook-steps';

const twilioForm = z.record(z.string(), z.string());
const format = CARRIERS.twilio.webhooks;
const paths = webhookPaths(format, ':phone_id');

/** What both Twilio webhooks share: signed form posts to a number's URL, served on the lean path. */
const twilioWebhook = {
  method: 'post',
  tag: 'Provider webhooks',
  auth: 'none',
  bodyType: 'application/x-www-form-urlencoded',
  params: z.object({ phone_id: z.string().max(100) }),
  body: twilioForm,
  // The signature is checked before anything else: a request that can't be Twilio's gets 403, not a parse error.
  bodyValidation: 'handler',
  // Every inbound call starts here: served without express (libs/service-kit lean-routes.ts), same answers.
  lean: true,
} as const;

/** The request as the use cases read it: the URL exactly as Twilio signed it, its headers and its form. */
function signedRequest(deps: GatewayDeps, phoneId: string, req: WebhookRequest): CarrierWebhookCall {
  return {
    phoneId,
    request: { publicUrl: `${deps.publicBaseUrl}${req.originalUrl}`, header: (name) => req.header(name), params: formParams(req.body, req.header('content-type')) },
    statusCallbackUrl: webhookPaths(format, phoneId, deps.publicBaseUrl).status,
  };
}

/** Twilio's voice webhook and status callback, for Twilio numbers and bring-your-own numbers (Twilio's format). */
export function twilioRoutes(routerDeps: ApiRouterDeps, deps: GatewayDeps): ApiRouter {
  const webhooks = format.create();
  return new ApiRouter(routerDeps)
    .route(
      {
        ...twilioWebhook,
        path: paths.incoming,
        summary: TWILIO_WEBHOOK_DOCS.incoming.summary,
        description: TWILIO_WEBHOOK_DOCS.incoming.description,
        responses: { 200: { description: TWILIO_WEBHOOK_DOCS.incoming.answer, contentType: TWIML_CONTENT_TYPE, schema: z.string() } },
      },
      async ({ params, req }) => {
        const twiml = await handleInboundCall(deps, webhooks, signedRequest(deps, params.phone_id, req));
        return { status: 200, body: twiml, contentType: webhooks.contentType };
      },
    )
    .route(
      {
        ...twilioWebhook,
        path: paths.status,
        summary: TWILIO_WEBHOOK_DOCS.status.summary,
        description: TWILIO_WEBHOOK_DOCS.status.description,
        responses: { 204: { description: TWILIO_WEBHOOK_DOCS.status.answer } },
      },
      async ({ params, req }) => {
        await handleCallStatus(deps, webhooks, signedRequest(deps, params.phone_id, req));
        return { status: 204 };
      },
    );
}

import { formParams } from '@callplane/providers';
import { ApiRouter, type ApiRouterDeps, type WebhookRequest } from '@callplane/service-kit';
import { z } from 'zod';
import type { GatewayDeps } from '../usecases/deps';
import { handleTwilioInbound, type TwilioInboundRequest } from '../usecases/twilio-inbound.usecase';
import { handleTwilioStatus } from '../usecases/twilio-status.usecase';

const twilioForm = z.record(z.string(), z.string());

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

/** The request as the use cases read it: the URL exactly as Twilio signed it, its signature and its form. */
function signedRequest(deps: GatewayDeps, phoneId: string, req: WebhookRequest): TwilioInboundRequest {
  return {
    phoneId,
    publicUrl: `${deps.publicBaseUrl}${req.originalUrl}`,
    signature: req.header('x-twilio-signature'),
    params: formParams(req.body, req.header('content-type')),
  };
}

export function twilioRoutes(routerDeps: ApiRouterDeps, deps: GatewayDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        ...twilioWebhook,
        path: '/twilio/incoming/:phone_id',
        summary: 'Twilio voice webhook (also bring-your-own numbers)',
        description:
          'Authenticated by X-Twilio-Signature (HMAC-SHA1 with the number\'s auth token or signing secret) over PUBLIC_BASE_URL + path. Answers TwiML that forwards the call to LiveKit SIP, or a spoken message and hang-up.',
        responses: { 200: { description: 'TwiML', contentType: 'text/xml', schema: z.string() } },
      },
      async ({ params, req }) => {
        const twiml = await handleTwilioInbound(deps, signedRequest(deps, params.phone_id, req));
        return { status: 200, body: twiml, contentType: 'text/xml' };
      },
    )
    .route(
      {
        ...twilioWebhook,
        path: '/twilio/status/:phone_id',
        summary: 'Twilio call status callback',
        description:
          'Signed like the voice webhook. CallStatus (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled) becomes the call\'s state through the one call-state machine: retries and late callbacks change nothing. A callback for an unknown call is accepted and ignored.',
        responses: { 204: { description: 'Recorded (or nothing to record)' } },
      },
      async ({ params, req }) => {
        await handleTwilioStatus(deps, signedRequest(deps, params.phone_id, req));
        return { status: 204 };
      },
    );
}

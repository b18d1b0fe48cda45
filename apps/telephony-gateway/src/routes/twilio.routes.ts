import { formParams } from '@callplane/providers';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { GatewayDeps } from '../usecases/deps';
import { handleTwilioInbound } from '../usecases/twilio-inbound.usecase';
import { handleTwilioStatus } from '../usecases/twilio-status.usecase';

const twilioForm = z.record(z.string(), z.string());

export function twilioRoutes(routerDeps: ApiRouterDeps, deps: GatewayDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
    {
      method: 'post',
      path: '/twilio/incoming/:phone_id',
      tag: 'Provider webhooks',
      summary: 'Twilio voice webhook (also bring-your-own numbers)',
      description:
        'Authenticated by X-Twilio-Signature (HMAC-SHA1 with the number\'s auth token or signing secret) over PUBLIC_BASE_URL + path. Answers TwiML that forwards the call to LiveKit SIP, or a spoken message and hang-up.',
      auth: 'none',
      bodyType: 'application/x-www-form-urlencoded',
      params: z.object({ phone_id: z.string().max(100) }),
      body: twilioForm,
      // The signature is checked before anything else: a request that can't be Twilio's gets 403, not a parse error.
      bodyValidation: 'handler',
      // Every inbound call starts here: served without express (libs/service-kit lean-routes.ts), same answers.
      lean: true,
      responses: { 200: { description: 'TwiML', contentType: 'text/xml', schema: z.string() } },
    },
    async ({ params, req }) => {
      const twiml = await handleTwilioInbound(deps, {
        phoneId: params.phone_id,
        publicUrl: `${deps.publicBaseUrl}${req.originalUrl}`,
        signature: req.header('x-twilio-signature'),
        params: formParams(req.body, req.header('content-type')),
      });
      return { status: 200, body: twiml, contentType: 'text/xml' };
    },
  )
    .route(
      {
        method: 'post',
        path: '/twilio/status/:phone_id',
        tag: 'Provider webhooks',
        summary: 'Twilio call status callback',
        description:
          'Signed like the voice webhook. CallStatus (queued, ringing, in-progress, completed, busy, failed, no-answer, canceled) becomes the call\'s state through the one call-state machine: retries and late callbacks change nothing. A callback for an unknown call is accepted and ignored.',
        auth: 'none',
        bodyType: 'application/x-www-form-urlencoded',
        params: z.object({ phone_id: z.string().max(100) }),
        body: twilioForm,
        bodyValidation: 'handler',
        lean: true,
        responses: { 204: { description: 'Recorded (or nothing to record)' } },
      },
      async ({ params, req }) => {
        await handleTwilioStatus(deps, {
          phoneId: params.phone_id,
          publicUrl: `${deps.publicBaseUrl}${req.originalUrl}`,
          signature: req.header('x-twilio-signature'),
          params: formParams(req.body, req.header('content-type')),
        });
        return { status: 204 };
      },
    );
}

import { cancelScheduledResponseSchema, dialRequestSchema, dialResponseSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { cancelScheduledCall, dialOutbound } from '../usecases/dial.usecase';
import type { DialerDeps } from '../usecases/deps';

const tag = 'Outbound calls';
const sessionParams = z.object({ session_id: z.string().min(1).max(100) });

/** `POST /voice/outbound/dial`, `POST /voice/outbound/scheduled/{session_id}/cancel`. */
export function outboundRoutes(routerDeps: ApiRouterDeps, deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/voice/outbound/dial',
        tag,
        summary: 'Place an outbound call now, or schedule it',
        description:
          'The agent calls to_number from from_number (one of your numbers with outbound enabled). Answers 202 at once: progress arrives as status webhooks ' +
          "(webhook_url, else the agent's status_webhook_url) and on GET /voice/sessions/{session_id}. With scheduled_at the call is placed at that time " +
          'and can be canceled until then. context values fill {{variables}} in the prompt and greeting.',
        auth: 'user',
        idempotent: true,
        body: dialRequestSchema,
        responses: { 202: { description: 'Accepted: the call is being placed, or is scheduled', schema: dialResponseSchema } },
      },
      async ({ principal, body, log }) => ({ status: 202, body: await dialOutbound(deps, log, principal, body) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/outbound/scheduled/:session_id/cancel',
        tag,
        summary: 'Cancel a scheduled call',
        description: 'Only before the call is placed (409 not_cancellable after). Canceling again answers the same.',
        auth: 'user',
        params: sessionParams,
        responses: { 200: { description: 'Canceled: the call will not be placed', schema: cancelScheduledResponseSchema } },
      },
      async ({ principal, params, log }) => ({ status: 200, body: await cancelScheduledCall(deps, log, principal, params.session_id) }),
    );
}

import {
  cancelScheduledResponseSchema,
  dialRequestSchema,
  dialResponseSchema,
  SANDBOX_NUMBERS,
  scheduledCallListQuerySchema,
  scheduledCallListSchema,
  scheduledCallSchema,
} from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import { cancelScheduledCall, dialOutbound } from '../usecases/dial.usecase';
import type { DialerDeps } from '../usecases/deps';
import { getScheduledCall, listScheduledCalls } from '../usecases/scheduled-calls.usecase';

const tag = 'Outbound calls';
const sessionParams = z.object({ session_id: z.string().min(1).max(100) });

/** `POST /voice/outbound/dial`; scheduled calls: `GET /voice/outbound/scheduled[/{session_id}]`, `POST …/{session_id}/cancel`. */
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
          'and can be canceled until then; until it is placed it has no session yet and shows at GET /voice/outbound/scheduled/{session_id}. ' +
          'context values fill {{variables}} in the prompt and greeting. Without LiveKit configured (the sandbox) only the sandbox numbers ' +
          `(such as ${SANDBOX_NUMBERS.answers}) can be called: a real to_number is refused at once with 409 livekit_not_configured, scheduled or not.`,
        auth: 'user',
        idempotent: true,
        body: dialRequestSchema,
        responses: { 202: { description: 'Accepted: the call is being placed, or is scheduled', schema: dialResponseSchema } },
      },
      async ({ principal, body, log }) => ({ status: 202, body: await dialOutbound(deps, log, principal, body) }),
    )
    .route(
      {
        method: 'get',
        path: '/voice/outbound/scheduled',
        tag,
        summary: "List the tenant's scheduled calls, newest first",
        description:
          'Every call requested with scheduled_at: scheduled (waiting; cancelable), placed (it fired: follow it at GET /voice/sessions/{session_id}) or canceled. ' +
          '?status= narrows the list; cursor pagination like every list.',
        auth: 'user',
        query: scheduledCallListQuerySchema,
        responses: { 200: { description: 'A page of scheduled calls', schema: scheduledCallListSchema } },
      },
      async ({ principal, query }) => ({ status: 200, body: await listScheduledCalls(deps, principal.tenantId, query) }),
    )
    .route(
      {
        method: 'get',
        path: '/voice/outbound/scheduled/:session_id',
        tag,
        summary: 'Get a scheduled call',
        description: 'Before the call is placed this is the only place its session id is known; once placed (status placed) the call session is at GET /voice/sessions/{session_id}.',
        auth: 'user',
        params: sessionParams,
        responses: { 200: { description: 'The scheduled call', schema: scheduledCallSchema } },
      },
      async ({ principal, params }) => ({ status: 200, body: await getScheduledCall(deps, principal.tenantId, params.session_id) }),
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

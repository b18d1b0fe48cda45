import {
  recentNumbersSchema,
  SANDBOX_NUMBERS,
  testCallCreatedSchema,
  testCallCreateSchema,
  testCallQuotaSchema,
  testCallStatusSchema,
  WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS,
  WEB_CALL_TOKEN_TTL_SECONDS,
  webCallCreatedSchema,
  webCallCreateSchema,
} from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { DialerDeps } from '../usecases/deps';
import { endTestCall, recentTestNumbers, requestTestCall, testCallQuota, testCallStatus } from '../usecases/studio.usecase';
import { endWebCall, startWebCall } from '../usecases/web-call.usecase';

const sessionParams = z.object({ session_id: z.string().max(100) });
const caller = (p: { tenantId: string; userId: string }) => ({ tenantId: p.tenantId, userId: p.userId });

/** Studio test calls (API.md "Studio test calls"): from the platform's trial pool, within daily quotas; and web calls. */
export function studioRoutes(routerDeps: ApiRouterDeps, deps: DialerDeps): ApiRouter {
  const { settings } = deps;
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/voice/studio/test-call',
        tag: 'Studio',
        summary: 'Call a phone with an agent, from the trial pool',
        description:
          `+91 and +1 destinations only. Each user has ${settings.testCallUserDailyLimit} test calls a day and each destination receives at most ` +
          `${settings.testCallDestinationDailyLimit} a day (days in UTC); a refused request uses none, and neither does a call the platform failed to place ` +
          `before it rang (it ends with an error such as dispatch_timeout). A call lasts at most ${settings.testCallMaxSeconds} s, ` +
          `and ends with error dispatch_timeout when it is not ringing within ${settings.testCallDispatchTimeoutSeconds} s. Without LiveKit (the sandbox) ` +
          `the destination must be a sandbox number, such as ${SANDBOX_NUMBERS.answers}, called from the pool's sandbox number. Refusals: 429 test_call_user_quota, ` +
          '429 test_call_destination_quota, 400 test_call_unsupported_destination, 409 livekit_not_configured (a real number with no LiveKit), ' +
          '503 pool_exhausted (every trial number busy: retry), 503 trial_pool_empty (none configured for the destination).',
        auth: 'user',
        idempotent: true,
        body: testCallCreateSchema,
        responses: { 201: { description: 'The call is being placed', schema: testCallCreatedSchema } },
      },
      async ({ principal, body, log }) => {
        const created = await requestTestCall(deps, caller(principal), body);
        log.info({ session_id: created.session_id }, 'studio test call requested');
        return { status: 201, body: created };
      },
    )
    .route(
      {
        method: 'get',
        path: '/voice/studio/test-call/:session_id/status',
        tag: 'Studio',
        summary: 'Where a test call stands',
        auth: 'user',
        params: sessionParams,
        responses: { 200: { description: 'Status', schema: testCallStatusSchema } },
      },
      async ({ principal, params }) => ({ status: 200, body: await testCallStatus(deps, caller(principal), params.session_id) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/studio/test-call/:session_id/end',
        tag: 'Studio',
        summary: 'Hang up a test call',
        auth: 'user',
        params: sessionParams,
        responses: { 200: { description: 'Ended (or already over)', schema: z.object({ ended: z.literal(true) }) } },
      },
      async ({ principal, params }) => {
        await endTestCall(deps, caller(principal), params.session_id);
        return { status: 200, body: { ended: true } };
      },
    )
    .route(
      { method: 'get', path: '/voice/studio/quota', tag: 'Studio', summary: "Today's test calls of the user", auth: 'user', responses: { 200: { description: 'Quota', schema: testCallQuotaSchema } } },
      async ({ principal }) => ({ status: 200, body: await testCallQuota(deps, caller(principal)) }),
    )
    .route(
      {
        method: 'get',
        path: '/voice/studio/recent-numbers',
        tag: 'Studio',
        summary: 'Destinations the user tested recently, newest first',
        auth: 'user',
        query: z.object({ limit: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(1).max(50).default(10)) }),
        responses: { 200: { description: 'Recent destinations', schema: recentNumbersSchema } },
      },
      async ({ principal, query }) => ({ status: 200, body: await recentTestNumbers(deps, caller(principal), query.limit) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/studio/web-call',
        tag: 'Studio',
        summary: 'Talk to an agent from the browser (Web Call)',
        description:
          'A session with direction web and call_type studio_test, capped at the agent\'s max_duration, with transcript and usage; no telephony and no test-call quota. ' +
          `With LiveKit: the room exists with the voice agent dispatched into it; join it with livekit-client using server_url and participant_token (valid ${WEB_CALL_PARTICIPANT_TOKEN_TTL_SECONDS} s; it may join this room, publish the microphone and subscribe, nothing more). ` +
          `Without LiveKit (the sandbox): connect a WebSocket to url within ${WEB_CALL_TOKEN_TTL_SECONDS} s; its token is good for one connection. ` +
          'Binary messages both ways are 20 ms frames of 16 kHz mono 16-bit little-endian PCM (640 bytes); the server\'s text messages are JSON events ' +
          '{"type":"state","state":"connecting|listening|thinking|speaking"}, {"type":"transcript","role":"agent|caller","text","final"}, {"type":"ended","reason"}. ' +
          'Close codes: 1000 ended (after the ended event), 1001 server stopping, 4400 a binary message that is not 640 bytes, 4401 token expired, ' +
          '4403 token already used, 4404 unknown session or token, 4408 the client did not read the agent\'s audio, 4409 already connected, ' +
          '4410 the call ended before it connected, 4415 a text message from the client.',
        auth: 'user',
        idempotent: true,
        sensitiveResponse: true,
        body: webCallCreateSchema,
        responses: { 201: { description: 'The call is ready for the browser to join', schema: webCallCreatedSchema } },
      },
      async ({ principal, body }) => ({ status: 201, body: await startWebCall(deps, caller(principal), body) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/studio/web-call/:session_id/end',
        tag: 'Studio',
        summary: 'Hang up a web call',
        description: 'The call ends at once (end_reason ended_by_user); the browser gets the ended event. Ending a call that is over changes nothing.',
        auth: 'user',
        params: sessionParams,
        responses: { 200: { description: 'Ended (or already over)', schema: z.object({ ended: z.literal(true) }) } },
      },
      async ({ principal, params }) => {
        await endWebCall(deps, caller(principal), params.session_id);
        return { status: 200, body: { ended: true } };
      },
    );
}

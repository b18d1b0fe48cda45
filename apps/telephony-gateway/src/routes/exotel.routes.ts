import { EXOML_CONTENT_TYPE, exotelParams, fetchExotelCall } from '@callplane/providers';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { GatewayDeps } from '../usecases/deps';
import { ExotelCallConfirmer, handleExotelInbound } from '../usecases/exotel-inbound.usecase';
import { handleExotelStatus, type ExotelStatusDeps } from '../usecases/exotel-status.usecase';

export interface ExotelRouteOptions {
  /** `EXOTEL_API_BASE_URL`: where Exotel's API is (tests: FakeExotel); the account's own region when unset. */
  apiBaseUrl?: string;
  /** Call Details lookups slower than this count as Exotel being unavailable. Exotel waits 15 s for our answer. */
  timeoutMs?: number;
  /** How long a confirmed CallSid is remembered. */
  confirmTtlMs?: number;
}

const AUTHENTICATION =
  'Exotel does not sign its requests. Each one is authenticated by asking Exotel: its CallSid must be a call on the Exotel ' +
  "account imported with this number (Call Details API, GET /v1/Accounts/{sid}/Calls/{CallSid}, with the number's stored " +
  'API key), and that call must be to this number (compared in E.164). Otherwise: 403 and nothing is written. Confirmed ' +
  "CallSids are remembered for 30 minutes, so Exotel's retries and the status callback need no second lookup. Only " +
  'imported (BYOK) Exotel numbers have these URLs; any other phone id is 404.';

// Exotel's names, documented for the reader; the use case validates them, so any shape is accepted here.
const param = (description: string) => z.union([z.string(), z.array(z.string())]).optional().describe(description);
const passthruParams = z
  .object({
    CallSid: param('Exotel call id (required)'),
    CallFrom: param('The caller, usually 0-prefixed national: 09876543210 (required)'),
    CallTo: param('The ExoPhone called (required)'),
    Direction: param('incoming'),
    CustomField: param('Passed through from the flow'),
  })
  .catchall(z.unknown());
const statusParams = z
  .object({
    CallSid: param('Exotel call id (required)'),
    Status: param('completed | busy | no-answer | failed (required)'),
    DialCallDuration: param('Seconds of the forwarded leg'),
    RecordingUrl: param('Not stored'),
  })
  .catchall(z.unknown());
const phoneParams = z.object({ phone_id: z.string().max(100) });

/** Exotel's Passthru applet and StatusCallback, for imported Exotel numbers. */
export function exotelRoutes(routerDeps: ApiRouterDeps, deps: GatewayDeps, opts: ExotelRouteOptions = {}): ApiRouter {
  const exotelDeps: ExotelStatusDeps = {
    ...deps,
    exotelCalls: new ExotelCallConfirmer((credentials, callSid) => fetchExotelCall(credentials, callSid, { apiBaseUrl: opts.apiBaseUrl, timeoutMs: opts.timeoutMs ?? 5_000 }), {
      ttlMs: opts.confirmTtlMs,
    }),
    findSession: (phoneNumberId, providerCallId) =>
      deps.prisma.callSession.findFirst({ where: { provider: 'exotel', providerCallId, phoneNumberId }, select: { id: true } }),
  };

  const incoming = {
    path: '/exotel/incoming/:phone_id',
    tag: 'Provider webhooks',
    auth: 'none' as const,
    params: phoneParams,
    responses: {
      200: { description: 'ExoML forwarding the call to LiveKit SIP, or a spoken message and hang-up', contentType: EXOML_CONTENT_TYPE, schema: z.string() },
      400: { description: 'validation_failed: CallSid, CallFrom or CallTo missing or malformed' },
      403: { description: 'forbidden: the CallSid is not a call to this number on its Exotel account' },
      404: { description: 'not_found: no imported Exotel number has this id' },
    },
  };
  const answer = async (phoneId: string, params: Record<string, string>) => ({
    status: 200,
    body: await handleExotelInbound(exotelDeps, { phoneId, params }),
    contentType: EXOML_CONTENT_TYPE,
  });

  return new ApiRouter(routerDeps)
    .route(
      {
        ...incoming,
        method: 'get',
        summary: 'Exotel Passthru applet (GET, parameters in the query)',
        description: `${AUTHENTICATION} If Exotel's API cannot be reached, the caller hears an apology and nothing is written.`,
        query: passthruParams,
      },
      async ({ params, req }) => answer(params.phone_id, exotelParams(req.query)),
    )
    .route(
      {
        ...incoming,
        method: 'post',
        summary: 'Exotel Passthru applet (POST, parameters in a form body)',
        description: `${AUTHENTICATION} If Exotel's API cannot be reached, the caller hears an apology and nothing is written.`,
        bodyType: 'application/x-www-form-urlencoded',
        body: passthruParams,
        bodyValidation: 'handler',
      },
      async ({ params, req }) => answer(params.phone_id, exotelParams(req.query, req.body)),
    )
    .route(
      {
        method: 'post',
        path: '/exotel/status/:phone_id',
        tag: 'Provider webhooks',
        summary: 'Exotel status callback (form or JSON)',
        description:
          `${AUTHENTICATION} The CallSid must also be a call session on this number; one that is not is answered 204 and ignored. ` +
          'Status maps to the session state (completed, busy, no-answer → no_answer, failed); a retried or out-of-order callback changes nothing.',
        auth: 'none',
        params: phoneParams,
        bodyType: 'application/x-www-form-urlencoded',
        body: statusParams,
        bodyValidation: 'handler',
        responses: {
          204: { description: 'Applied, or nothing to do' },
          400: { description: 'validation_failed: CallSid missing, or Status not one of completed, busy, no-answer, failed' },
          403: { description: 'forbidden: the CallSid is not a call to this number on its Exotel account' },
          404: { description: 'not_found: no imported Exotel number has this id' },
          502: { description: "provider_unavailable: Exotel's API could not confirm the call; Exotel retries" },
        },
      },
      async ({ params, req }) => {
        await handleExotelStatus(exotelDeps, { phoneId: params.phone_id, params: exotelParams(req.body) });
        return { status: 204 };
      },
    );
}

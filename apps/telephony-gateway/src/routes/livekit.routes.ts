import { LiveKitWebhooks } from '@callplane/livekit';
import { ApiRouter, AppError, rawBodyText, type ApiRouterDeps } from '@callplane/service-kit';
import { z } from 'zod';
import type { GatewayDeps } from '../usecases/deps';
import { handleLiveKitWebhook } from '../usecases/livekit-webhook.usecase';

export function livekitRoutes(routerDeps: ApiRouterDeps, deps: GatewayDeps, livekit: { apiKey: string; apiSecret: string } | undefined): ApiRouter {
  const receiver = livekit ? new LiveKitWebhooks(livekit) : undefined;
  return new ApiRouter(routerDeps).route(
    {
      method: 'post',
      path: '/livekit/webhook',
      tag: 'Provider webhooks',
      summary: 'LiveKit server webhooks',
      description:
        'Authenticated by the JWT in Authorization, signed with LIVEKIT_API_KEY/SECRET, whose sha256 claim must match the body. SIP participants joining and leaving and rooms finishing become call state; SIP-direct calls (Plivo, Vobiz) get their session here.',
      auth: 'none',
      bodyType: 'application/json',
      body: z.unknown(),
      bodyValidation: 'handler',
      responses: { 200: { description: 'Received', schema: z.object({ received: z.boolean() }) } },
    },
    async ({ req }) => {
      if (!receiver) throw new AppError('livekit_not_configured', 'LiveKit webhooks need LIVEKIT_API_KEY and LIVEKIT_API_SECRET on the gateway.', { status: 503 });
      if (!req.is('application/json') && !req.is('application/webhook+json')) throw new AppError('unsupported_media_type', 'Send the webhook as application/webhook+json.');
      const result = await handleLiveKitWebhook(deps, receiver, rawBodyText(req), req.header('authorization'));
      if (!result.handled) deps.logger.debug({ reason: result.reason }, 'livekit webhook ignored');
      return { status: 200, body: { received: true } };
    },
  );
}

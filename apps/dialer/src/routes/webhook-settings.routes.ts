import { webhookSecretSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';
import { getWebhookSecret, rotateWebhookSecret } from '../usecases/webhook-signature';

const tag = 'Webhooks';

/** `GET /voice/settings/webhooks`, `POST /voice/settings/webhooks/rotate-secret`. */
export function webhookSettingsRoutes(routerDeps: ApiRouterDeps, deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'get',
        path: '/voice/settings/webhooks',
        tag,
        summary: "The tenant's status-webhook signing secret (created on first use)",
        auth: 'user',
        sensitiveResponse: true,
        responses: { 200: { description: 'The current secret', schema: webhookSecretSchema } },
      },
      async ({ principal }) => ({ status: 200, body: { secret: await getWebhookSecret(deps, principal.tenantId) } }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/settings/webhooks/rotate-secret',
        tag,
        summary: 'Replace the signing secret; the old one keeps signing alongside the new one for 24 h',
        auth: 'user',
        idempotent: true,
        sensitiveResponse: true,
        responses: { 200: { description: 'The new secret', schema: webhookSecretSchema } },
      },
      async ({ principal }) => ({ status: 200, body: { secret: await rotateWebhookSecret(deps, principal.tenantId) } }),
    );
}

import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';

/** `GET /voice/settings/webhooks`, `POST /voice/settings/webhooks/rotate-secret`. */
export function webhookSettingsRoutes(routerDeps: ApiRouterDeps, _deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps);
}

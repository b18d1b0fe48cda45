import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';

/** `POST /voice/outbound/dial`, `POST /voice/outbound/scheduled/{session_id}/cancel`. */
export function outboundRoutes(routerDeps: ApiRouterDeps, _deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps);
}

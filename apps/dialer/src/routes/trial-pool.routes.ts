import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';

/** Operator API: `POST /admin/trial-pool`, `GET /admin/trial-pool`. */
export function trialPoolRoutes(routerDeps: ApiRouterDeps, _deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps);
}

import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';

/** Studio test calls (API.md "Studio test calls"). */
export function studioRoutes(routerDeps: ApiRouterDeps, _deps: DialerDeps): ApiRouter {
  return new ApiRouter(routerDeps);
}

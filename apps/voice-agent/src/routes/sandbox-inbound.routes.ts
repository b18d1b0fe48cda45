import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import { placeSandboxInboundCall, sandboxInboundCallResultSchema, sandboxInboundCallSchema, type SandboxInboundDeps } from '../usecases/sandbox-inbound-call.usecase';

/** Operator-only, and served only when LiveKit is not configured (the sandbox media plane is running). */
export function sandboxInboundRoutes(routerDeps: ApiRouterDeps, deps: SandboxInboundDeps): ApiRouter {
  return new ApiRouter(routerDeps).route(
    {
      method: 'post',
      path: '/admin/sandbox/inbound-call',
      tag: 'Operator',
      summary: 'Simulate an inbound call to a number (sandbox, no LiveKit)',
      description:
        'A caller bot dials the number: the session opens for the number\'s agent as an inbound call would (or ends after_hours when the agent is closed), then the agent answers and talks with the bot on the local voice stack.',
      auth: 'admin',
      body: sandboxInboundCallSchema,
      responses: { 202: { description: 'The call was placed', schema: sandboxInboundCallResultSchema } },
    },
    async ({ body }) => ({ status: 202, body: await placeSandboxInboundCall(deps, body) }),
  );
}

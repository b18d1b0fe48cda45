import { trialNumberCreateSchema, trialNumberListSchema, trialNumberSchema } from '@callplane/contracts';
import { ApiRouter, type ApiRouterDeps } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';
import { addTrialNumber, listTrialNumbers, type TrialTrunks } from '../usecases/trial-pool';

/**
 * Operator API: `POST /admin/trial-pool`, `GET /admin/trial-pool`. `sip` (LiveKit's SIP API, when LiveKit is
 * configured) creates each number's outbound trunk; without it numbers are stored without one and cannot dial.
 */
export function trialPoolRoutes(routerDeps: ApiRouterDeps, deps: DialerDeps, opts: { sip?: TrialTrunks } = {}): ApiRouter {
  return new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/admin/trial-pool',
        tag: 'Operator',
        summary: 'Add a number to the trial pool for studio test calls',
        description:
          'A +91 number must use provider `vobiz`, a +1 number provider `plivo`. `credentials` is the carrier SIP trunk the number dials ' +
          'through, `{sip_domain, username, password}` for both: the Vobiz trunk domain (`{trunk_id}.sip.vobiz.ai`), or the termination ' +
          'domain of a Plivo Zentrunk outbound trunk (`{id}.zt.plivo.com`, dialled over TCP). A LiveKit outbound trunk is created for it. ' +
          'Credentials are stored encrypted and never returned.',
        auth: 'admin',
        idempotent: true,
        body: trialNumberCreateSchema,
        responses: { 201: { description: 'Added', schema: trialNumberSchema } },
      },
      async ({ body }) => ({ status: 201, body: await addTrialNumber(deps, body, opts.sip) }),
    )
    .route(
      { method: 'get', path: '/admin/trial-pool', tag: 'Operator', summary: 'List the trial pool, with the test call holding each number', auth: 'admin', responses: { 200: { description: 'The pool', schema: trialNumberListSchema } } },
      async () => ({ status: 200, body: await listTrialNumbers(deps) }),
    );
}

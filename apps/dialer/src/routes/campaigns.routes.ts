import {
  campaignContactListSchema,
  campaignCreateSchema,
  campaignListSchema,
  campaignPatchSchema,
  campaignSchema,
  contactsJsonBodySchema,
  contactsQuerySchema,
  contactsUploadResultSchema,
  listQuerySchema,
} from '@callplane/contracts';
import { ApiRouter, AppError, streamBody, validateInput, type ApiRouterDeps, type Logger } from '@callplane/service-kit';
import type { Request } from 'express';
import { z } from 'zod';
import { cancelCampaign, launchCampaign, pauseCampaign, resumeCampaign } from '../usecases/campaign-lifecycle.usecase';
import { campaignResultsCsv, listContacts } from '../usecases/campaign-results.usecase';
import { createCampaign, getCampaign, listCampaigns, updateCampaign } from '../usecases/campaigns.usecase';
import { importContacts } from '../usecases/contacts-import.usecase';
import type { DialerDeps } from '../usecases/deps';

const tag = 'Campaigns';
const campaignParams = z.object({ campaign_id: z.string().min(1).max(100) });
const caller = (p: { tenantId: string; userId: string }) => ({ tenantId: p.tenantId, userId: p.userId });

/** Status changes: each a conditional update on the current status (409 invalid_campaign_state when it does not apply). */
const TRANSITIONS = [
  ['launch', 'Launch a draft campaign', 'running, or scheduled when start_at is ahead. 409 campaign_empty without contacts.', launchCampaign],
  ['pause', 'Pause a campaign', 'No new call starts (on every dialer replica); calls in progress go on.', pauseCampaign],
  ['resume', 'Resume a paused campaign', 'running, or scheduled when start_at is still ahead.', resumeCampaign],
  ['cancel', 'Cancel a campaign', 'Contacts not yet called become canceled; calls in progress go on.', cancelCampaign],
] as const;

/** Campaigns (API.md "Campaigns"): settings, contact lists and their results, and the campaign's lifecycle. */
export function campaignRoutes(routerDeps: ApiRouterDeps, deps: DialerDeps): ApiRouter {
  const router = new ApiRouter(routerDeps)
    .route(
      {
        method: 'post',
        path: '/voice/campaigns',
        tag,
        summary: 'Create a campaign',
        description:
          'A draft: upload contacts next, then launch it. agent_id and every from_numbers entry must be yours (404 otherwise), each number with outbound ' +
          'enabled (422 from_number_not_outbound). recipient_hours defaults to 08:00–21:00 in the recipient\'s zone; null turns it off.',
        auth: 'user',
        idempotent: true,
        body: campaignCreateSchema,
        responses: { 201: { description: 'Created, status draft', schema: campaignSchema } },
      },
      async ({ principal, body, log }) => ({ status: 201, body: await createCampaign(deps, log, caller(principal), body) }),
    )
    .route(
      { method: 'get', path: '/voice/campaigns', tag, summary: 'List campaigns, newest first', auth: 'user', query: listQuerySchema, responses: { 200: { description: 'A page of campaigns', schema: campaignListSchema } } },
      async ({ principal, query }) => ({ status: 200, body: await listCampaigns(deps, principal.tenantId, query) }),
    )
    .route(
      { method: 'get', path: '/voice/campaigns/:campaign_id', tag, summary: 'Get a campaign with its contact counts per state', auth: 'user', params: campaignParams, responses: { 200: { description: 'The campaign', schema: campaignSchema } } },
      async ({ principal, params }) => ({ status: 200, body: await getCampaign(deps, principal.tenantId, params.campaign_id) }),
    )
    .route(
      {
        method: 'patch',
        path: '/voice/campaigns/:campaign_id',
        tag,
        summary: 'Change a campaign',
        description: 'Any create field. Only while draft or paused (409 invalid_campaign_state otherwise).',
        auth: 'user',
        params: campaignParams,
        body: campaignPatchSchema,
        responses: { 200: { description: 'The campaign', schema: campaignSchema } },
      },
      async ({ principal, params, body, log }) => ({ status: 200, body: await updateCampaign(deps, log, principal.tenantId, params.campaign_id, body) }),
    )
    .route(
      {
        method: 'post',
        path: '/voice/campaigns/:campaign_id/contacts',
        tag,
        summary: 'Upload contacts, as CSV or JSON',
        description:
          'text/csv: a header row with a to_number column; an optional timezone column (IANA) sets the recipient\'s zone; every other column becomes a ' +
          `context variable of its name. Up to ${deps.settings.contactsUploadMaxBytes} bytes (413 payload_too_large above). Or JSON {contacts: [{to_number, context?, timezone?}]}. ` +
          'Each row is accepted or rejected (invalid_number, duplicate, do_not_call) with its 1-based row number among the data rows. A malformed file ' +
          '(no to_number column, a zone that is not IANA…) is 400 validation_failed naming each problem, and nothing is written. Not once completed or canceled.',
        auth: 'user',
        params: campaignParams,
        body: contactsJsonBodySchema,
        bodyValidation: 'handler',
        otherBodies: { 'text/csv': z.string().describe('to_number,customer_name,timezone\n+14155550123,Asha,America/Los_Angeles') },
        responses: { 200: { description: 'What was accepted, and each rejected row', schema: contactsUploadResultSchema } },
      },
      async ({ principal, params, req, log }) => ({ status: 200, body: await uploadContacts(deps, log, principal.tenantId, params.campaign_id, req) }),
    )
    .route(
      {
        method: 'get',
        path: '/voice/campaigns/:campaign_id/contacts',
        tag,
        summary: "A campaign's contacts and where each stands, in dialing order",
        auth: 'user',
        params: campaignParams,
        query: listQuerySchema.extend(contactsQuerySchema.shape),
        responses: { 200: { description: 'A page of contacts', schema: campaignContactListSchema } },
      },
      async ({ principal, params, query }) => ({ status: 200, body: await listContacts(deps, principal.tenantId, params.campaign_id, query) }),
    )
    .route(
      {
        method: 'get',
        path: '/voice/campaigns/:campaign_id/results.csv',
        tag,
        summary: 'Every contact\'s result as CSV',
        description: 'One row per contact in dialing order: to_number, state, attempts, last_outcome, last_session_id, duration_seconds, then the context columns.',
        auth: 'user',
        params: campaignParams,
        responses: { 200: { description: 'The results', contentType: 'text/csv', schema: z.string() } },
      },
      async ({ principal, params }) => ({
        status: 200,
        body: await campaignResultsCsv(deps, principal.tenantId, params.campaign_id),
        contentType: 'text/csv; charset=utf-8',
        headers: { 'content-disposition': `attachment; filename="${params.campaign_id.replace(/[^A-Za-z0-9_-]/g, '')}-results.csv"` },
      }),
    );
  for (const [verb, summary, description, run] of TRANSITIONS) {
    router.route(
      { method: 'post', path: `/voice/campaigns/:campaign_id/${verb}`, tag, summary, description, auth: 'user', params: campaignParams, responses: { 200: { description: 'The campaign', schema: campaignSchema } } },
      async ({ principal, params, log }) => ({ status: 200, body: await run(deps, log, principal.tenantId, params.campaign_id) }),
    );
  }
  return router;
}

/** The body as CSV (streamed, up to the upload limit) or JSON (already parsed, within the app's JSON limit). */
async function uploadContacts(deps: DialerDeps, log: Logger, tenantId: string, campaignId: string, req: Request) {
  if (req.is('text/csv')) {
    const charset = /charset\s*=\s*"?([^";\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
    if (charset && !['utf-8', 'utf8', 'us-ascii'].includes(charset)) throw new AppError('unsupported_media_type', 'Send the CSV in UTF-8.');
    const body = streamBody(req, { limit: deps.settings.contactsUploadMaxBytes });
    try {
      return await importContacts(deps, log, tenantId, campaignId, { kind: 'csv', body: body.stream });
    } finally {
      // A refusal before the end of the file (404, 409, a bad header) is answered once the rest has been read off.
      await body.discard();
    }
  }
  if (req.is('application/json')) {
    const { contacts } = validateInput(contactsJsonBodySchema, req.body ?? {}, 'body');
    return importContacts(deps, log, tenantId, campaignId, { kind: 'json', contacts });
  }
  throw new AppError('unsupported_media_type', 'Send the contacts as text/csv (a header row with to_number) or as application/json {contacts: [...]}.');
}

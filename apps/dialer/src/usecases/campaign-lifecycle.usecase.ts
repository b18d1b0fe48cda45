import { FINAL_CAMPAIGN_STATUSES, SANDBOX_NUMBER_PATTERN, type CampaignDto } from '@callplane/contracts';
import { AppError, type Logger } from '@callplane/service-kit';
import { presentOne } from './campaign-presenter';
import { invalidState, ownCampaign } from './campaigns.usecase';
import type { DialerDeps } from './deps';
import { refuseUnplaceable } from './dial-plan';

/**
 * Launch, pause, resume and cancel. Each is one conditional UPDATE on the campaign's current status, so two racing
 * requests cannot both move it: the second finds the status already changed and answers 409. Runners on every
 * replica read the status before admitting a call, so a pause or cancel stops new calls on their next round.
 */

/** Not yet `completed` or `canceled`: what cancel may end. */
/** Contacts no call has been placed for yet (or waiting for their next attempt): a cancel cancels them. */
const NOT_YET_CALLED = ['pending', 'retry_scheduled'];

/**
 * `POST /voice/campaigns/{id}/launch`: `draft` → `running`, or `scheduled` when `start_at` is still ahead. Needs at
 * least one contact (`409 campaign_empty`) and an `end_at` still ahead; without LiveKit, contacts the sandbox carrier
 * can call, every one (`409 livekit_not_configured` naming a real number otherwise: its calls could only fail).
 */
export async function launchCampaign(deps: DialerDeps, log: Logger, tenantId: string, id: string): Promise<CampaignDto> {
  const now = deps.now();
  if (!deps.livekit && (await ownCampaign(deps.prisma, tenantId, id)).status === 'draft') {
    // The sandbox rule in SQL (libs/contracts SANDBOX_NUMBER_PATTERN): a list of a million contacts is not read into memory.
    const real = await deps.prisma.$queryRaw<Array<{ to_number: string }>>`
      SELECT to_number FROM campaign_contacts WHERE campaign_id = ${id} AND to_number !~ ${SANDBOX_NUMBER_PATTERN} ORDER BY seq LIMIT 1`;
    if (real[0]) refuseUnplaceable(deps, real[0].to_number);
  }
  const moved = await deps.prisma.$executeRaw`
    UPDATE campaigns SET status = CASE WHEN start_at > ${now} THEN 'scheduled' ELSE 'running' END, launched_at = ${now}, updated_at = ${now}
    WHERE id = ${id} AND tenant_id = ${tenantId} AND status = 'draft' AND (end_at IS NULL OR end_at > ${now})
      AND EXISTS (SELECT 1 FROM campaign_contacts WHERE campaign_id = ${id})`;
  const campaign = await ownCampaign(deps.prisma, tenantId, id);
  if (moved === 0) {
    if (campaign.status !== 'draft') throw invalidState(campaign.status, 'launched', 'Only a draft campaign can be launched');
    if (campaign.endAt && campaign.endAt <= now) {
      throw new AppError('invalid_campaign_state', `This campaign's end_at (${campaign.endAt.toISOString()}) has passed, so it cannot be launched. Set a later end_at first.`, { status: 409, details: { status: campaign.status } });
    }
    throw new AppError('campaign_empty', 'This campaign has no contacts yet. Upload contacts, then launch it.', { status: 409 });
  }
  log.info({ campaign_id: id, status: campaign.status }, 'campaign launched');
  return presentOne(deps.prisma, campaign);
}

/** `POST /voice/campaigns/{id}/pause`: `running` or `scheduled` → `paused`. Calls in progress go on. */
export async function pauseCampaign(deps: DialerDeps, log: Logger, tenantId: string, id: string): Promise<CampaignDto> {
  const now = deps.now();
  const moved = await deps.prisma.campaign.updateMany({ where: { id, tenantId, status: { in: ['running', 'scheduled'] } }, data: { status: 'paused', updatedAt: now } });
  return answer(deps, log, tenantId, id, moved.count, 'paused', 'Only a running or scheduled campaign can be paused');
}

/** `POST /voice/campaigns/{id}/resume`: `paused` → `running`, or `scheduled` when `start_at` is still ahead. */
export async function resumeCampaign(deps: DialerDeps, log: Logger, tenantId: string, id: string): Promise<CampaignDto> {
  const now = deps.now();
  const moved = await deps.prisma.$executeRaw`
    UPDATE campaigns SET status = CASE WHEN start_at > ${now} THEN 'scheduled' ELSE 'running' END, updated_at = ${now}
    WHERE id = ${id} AND tenant_id = ${tenantId} AND status = 'paused'`;
  return answer(deps, log, tenantId, id, moved, 'resumed', 'Only a paused campaign can be resumed');
}

/**
 * `POST /voice/campaigns/{id}/cancel`: any status but `completed` or `canceled` → `canceled`, and in the same
 * transaction every contact not yet called becomes `canceled`. Contacts whose call is in progress keep it: their
 * outcome is recorded when it ends. A runner admitting contacts holds their row locks, so this update waits for its
 * claim and then leaves the claimed contacts (now `calling`) alone.
 */
export async function cancelCampaign(deps: DialerDeps, log: Logger, tenantId: string, id: string): Promise<CampaignDto> {
  const now = deps.now();
  const canceled = await deps.prisma.$transaction(async (tx) => {
    const moved = await tx.campaign.updateMany({ where: { id, tenantId, status: { notIn: [...FINAL_CAMPAIGN_STATUSES] } }, data: { status: 'canceled', completedAt: now, updatedAt: now } });
    if (moved.count === 0) return null;
    const contacts = await tx.campaignContact.updateMany({ where: { campaignId: id, state: { in: NOT_YET_CALLED } }, data: { state: 'canceled', nextAttemptAt: null, updatedAt: now } });
    return contacts.count;
  });
  if (canceled !== null) log.info({ campaign_id: id, contacts_canceled: canceled }, 'campaign canceled');
  return answer(deps, log, tenantId, id, canceled === null ? 0 : 1, 'canceled', 'A completed or canceled campaign is over');
}

/** The campaign after a transition, or the 404/409 that explains why nothing moved. */
async function answer(deps: DialerDeps, log: Logger, tenantId: string, id: string, moved: number, verb: string, hint: string): Promise<CampaignDto> {
  const campaign = await ownCampaign(deps.prisma, tenantId, id);
  if (moved === 0) throw invalidState(campaign.status, verb, hint);
  if (verb !== 'canceled') log.info({ campaign_id: id, status: campaign.status }, `campaign ${verb}`);
  return presentOne(deps.prisma, campaign);
}

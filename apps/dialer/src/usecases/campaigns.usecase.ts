import { DEFAULT_RECIPIENT_HOURS, newId, type CampaignCreate, type CampaignDto, type CampaignPatch, type ListQuery } from '@callplane/contracts';
import { Prisma, type Campaign, type DbTx, type PrismaClient } from '@callplane/db';
import { afterCursor, AppError, decodeCursor, notFound, page, type Logger } from '@callplane/service-kit';
import { countsFor, emptyCounts, presentCampaign, presentOne } from './campaign-presenter';
import type { DialerDeps } from './deps';

type Db = PrismaClient | DbTx;

/** The user asking: campaigns belong to the tenant, and remember who created them. */
export interface CampaignCaller {
  tenantId: string;
  userId: string;
}

/** Statuses in which a campaign's settings may change (API.md: PATCH only while `draft` or `paused`). */
const EDITABLE = ['draft', 'paused'];

/** The tenant's campaign, or 404: another tenant's campaign does not exist for this caller. */
export async function ownCampaign(db: Db, tenantId: string, id: string): Promise<Campaign> {
  const c = await db.campaign.findFirst({ where: { id, tenantId } });
  if (!c) throw notFound('The campaign');
  return c;
}

/** `POST /voice/campaigns`: a `draft` holding the settings; contacts are uploaded next, then it is launched. */
export async function createCampaign(deps: DialerDeps, log: Logger, caller: CampaignCaller, input: CampaignCreate): Promise<CampaignDto> {
  const now = deps.now();
  checkEndAt(input.end_at, now);
  await checkAgent(deps.prisma, caller.tenantId, input.agent_id);
  await checkFromNumbers(deps.prisma, caller.tenantId, input.from_numbers);
  const campaign = await deps.prisma.campaign.create({
    data: {
      id: newId('campaign'),
      tenantId: caller.tenantId,
      userId: caller.userId,
      name: input.name,
      agentId: input.agent_id,
      fromNumbers: input.from_numbers,
      timezone: input.timezone,
      windows: input.windows,
      startAt: input.start_at ? new Date(input.start_at) : null,
      endAt: input.end_at ? new Date(input.end_at) : null,
      concurrency: input.concurrency,
      maxCallsPerSecond: input.max_calls_per_second ?? null,
      retry: input.retry,
      // Absent: the default hours; an explicit null turns the check off.
      recipientHours: input.recipient_hours === null ? Prisma.DbNull : (input.recipient_hours ?? DEFAULT_RECIPIENT_HOURS),
      webhookUrl: input.webhook_url ?? null,
      status: 'draft',
      createdAt: now,
      updatedAt: now,
    },
  });
  log.info({ campaign_id: campaign.id }, 'campaign created');
  return presentCampaign(campaign, emptyCounts());
}

/** `GET /voice/campaigns`: newest first, with every campaign's counts from one GROUP BY. */
export async function listCampaigns(deps: DialerDeps, tenantId: string, q: ListQuery) {
  const rows = await deps.prisma.campaign.findMany({
    where: { tenantId, ...afterCursor(decodeCursor(q.cursor)) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: q.limit + 1,
  });
  const { items, next_cursor } = page(rows, q.limit, (r) => r.createdAt);
  const counts = await countsFor(deps.prisma, items.map((c) => c.id));
  return { data: items.map((c) => presentCampaign(c, counts.get(c.id)!)), next_cursor };
}

export async function getCampaign(deps: DialerDeps, tenantId: string, id: string): Promise<CampaignDto> {
  return presentOne(deps.prisma, await ownCampaign(deps.prisma, tenantId, id));
}

/**
 * `PATCH /voice/campaigns/{id}`: only while `draft` or `paused`. The row is locked while the patch is checked and
 * written, so a launch or resume racing it either happens first (this answers 409) or after (it sees the patch).
 */
export async function updateCampaign(deps: DialerDeps, log: Logger, tenantId: string, id: string, patch: CampaignPatch): Promise<CampaignDto> {
  const now = deps.now();
  const updated = await deps.prisma.$transaction(async (tx) => {
    const locked = await tx.$queryRaw<Array<{ status: string; start_at: Date | null; end_at: Date | null }>>`
      SELECT status, start_at, end_at FROM campaigns WHERE id = ${id} AND tenant_id = ${tenantId} FOR UPDATE`;
    const current = locked[0];
    if (!current) throw notFound('The campaign');
    if (!EDITABLE.includes(current.status)) throw invalidState(current.status, 'changed', 'Pause it first');
    const startAt = patch.start_at === undefined ? current.start_at : patch.start_at && new Date(patch.start_at);
    const endAt = patch.end_at === undefined ? current.end_at : patch.end_at && new Date(patch.end_at);
    if (patch.end_at) checkEndAt(patch.end_at, now);
    if (startAt && endAt && startAt >= endAt) throw fieldError(patch.end_at !== undefined ? 'end_at' : 'start_at', 'end_at must be after start_at');
    if (patch.agent_id !== undefined) await checkAgent(tx, tenantId, patch.agent_id);
    if (patch.from_numbers !== undefined) await checkFromNumbers(tx, tenantId, patch.from_numbers);
    return tx.campaign.update({
      where: { id },
      data: {
        name: patch.name,
        agentId: patch.agent_id,
        fromNumbers: patch.from_numbers,
        timezone: patch.timezone,
        windows: patch.windows,
        startAt: patch.start_at === undefined ? undefined : startAt,
        endAt: patch.end_at === undefined ? undefined : endAt,
        concurrency: patch.concurrency,
        maxCallsPerSecond: patch.max_calls_per_second,
        retry: patch.retry,
        recipientHours: patch.recipient_hours === undefined ? undefined : patch.recipient_hours === null ? Prisma.DbNull : patch.recipient_hours,
        webhookUrl: patch.webhook_url,
        updatedAt: now,
      },
    });
  });
  log.info({ campaign_id: id, fields: Object.keys(patch) }, 'campaign changed');
  return presentOne(deps.prisma, updated);
}

/** `409 invalid_campaign_state`, saying what the campaign is and what to do. */
export function invalidState(status: string, action: string, hint?: string): AppError {
  return new AppError('invalid_campaign_state', `This campaign is ${status}, so it cannot be ${action}.${hint ? ` ${hint}.` : ''}`, { status: 409, details: { status } });
}

const fieldError = (field: string, message: string) => new AppError('validation_failed', `Some fields are invalid: ${field}. See details.`, { details: [{ field, message }] });

/** A campaign that would end before it starts calling is a mistake in the request, not a state. */
function checkEndAt(endAt: string | null | undefined, now: Date): void {
  if (endAt && Date.parse(endAt) <= now.getTime()) throw fieldError('end_at', `must be in the future (now is ${now.toISOString()})`);
}

async function checkAgent(db: Db, tenantId: string, agentId: string): Promise<void> {
  const agent = await db.agent.findFirst({ where: { id: agentId, tenantId }, select: { id: true } });
  if (!agent) throw notFound('The agent');
}

/**
 * Every from-number must be the tenant's (404 otherwise, as the dial API answers: existence is not leaked) and able
 * to call out now (422 `from_number_not_outbound`, naming each such entry). The runner checks again before each call:
 * a number disabled later drops out of the rotation.
 */
async function checkFromNumbers(db: Db, tenantId: string, numbers: string[]): Promise<void> {
  const phones = await db.phoneNumber.findMany({ where: { tenantId, number: { in: numbers } }, select: { number: true, outboundEnabled: true, state: true } });
  const byNumber = new Map(phones.map((p) => [p.number, p]));
  const missing = numbers.find((n) => !byNumber.has(n));
  if (missing) throw new AppError('not_found', `${missing} is not one of your phone numbers. Import it first, or list only your numbers in from_numbers.`);
  const details = numbers.flatMap((n, i) => {
    const p = byNumber.get(n)!;
    const why = !p.outboundEnabled ? 'does not have outbound calling enabled' : p.state !== 'active' ? `is not ready for calls (state ${p.state})` : null;
    return why ? [{ field: `from_numbers.${i}`, message: `${n} ${why}` }] : [];
  });
  if (details.length) {
    throw new AppError('from_number_not_outbound', `${details.map((d) => d.message).join('; ')}. Use numbers with outbound enabled in from_numbers.`, { status: 422, details });
  }
}

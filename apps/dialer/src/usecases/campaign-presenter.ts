import { CONTACT_STATES, type CampaignCounts, type CampaignDto, type CampaignRetry, type CampaignStatus, type CampaignWindow, type RecipientHours } from '@callplane/contracts';
import type { Campaign, DbTx, PrismaClient } from '@callplane/db';

/** Every state at zero: a campaign without contacts, or a state no contact is in. */
export function emptyCounts(): CampaignCounts {
  return Object.fromEntries(['total', ...CONTACT_STATES].map((k) => [k, 0])) as CampaignCounts;
}

/** Contacts per state for each campaign, in one GROUP BY however many campaigns are asked. */
export async function countsFor(db: PrismaClient | DbTx, campaignIds: readonly string[]): Promise<Map<string, CampaignCounts>> {
  const out = new Map(campaignIds.map((id) => [id, emptyCounts()]));
  if (campaignIds.length === 0) return out;
  const rows = await db.$queryRaw<Array<{ campaign_id: string; state: string; n: number }>>`
    SELECT campaign_id, state, count(*)::int AS n FROM campaign_contacts
    WHERE campaign_id = ANY(${campaignIds as string[]}::text[]) GROUP BY campaign_id, state`;
  for (const r of rows) {
    const counts = out.get(r.campaign_id)!;
    if (r.state in counts) counts[r.state as keyof CampaignCounts] += r.n;
    counts.total += r.n;
  }
  return out;
}

/** The API's campaign (API.md "A campaign"). */
export function presentCampaign(c: Campaign, counts: CampaignCounts): CampaignDto {
  return {
    id: c.id,
    name: c.name,
    agent_id: c.agentId,
    from_numbers: c.fromNumbers,
    timezone: c.timezone,
    windows: c.windows as CampaignWindow[],
    start_at: c.startAt?.toISOString() ?? null,
    end_at: c.endAt?.toISOString() ?? null,
    concurrency: c.concurrency,
    max_calls_per_second: c.maxCallsPerSecond,
    retry: c.retry as CampaignRetry,
    recipient_hours: (c.recipientHours as RecipientHours | null) ?? null,
    webhook_url: c.webhookUrl,
    status: c.status as CampaignStatus,
    counts,
    created_at: c.createdAt.toISOString(),
    launched_at: c.launchedAt?.toISOString() ?? null,
    completed_at: c.completedAt?.toISOString() ?? null,
  };
}

/** One campaign with its counts. */
export async function presentOne(db: PrismaClient | DbTx, c: Campaign): Promise<CampaignDto> {
  return presentCampaign(c, (await countsFor(db, [c.id])).get(c.id)!);
}

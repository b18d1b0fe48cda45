import { FINAL_CAMPAIGN_STATUSES, newId } from '@callplane/contracts';
import type { DbTx } from '@callplane/db';

/** A contact to write, with its place in the campaign's dialing order. */
export interface NewContact {
  seq: number;
  number: string;
  context: Record<string, string>;
  timezone: string | null;
}

/**
 * Serialises uploads to one campaign until the transaction ends, so each numbers its rows after the last one written
 * (`seq` is unique per campaign). An advisory lock rather than the campaign's row lock: runners lock that row to
 * admit calls, and a large upload must not hold up dialing (or a pause) while it writes.
 */
export async function lockContactList(tx: DbTx, campaignId: string): Promise<void> {
  await tx.$executeRaw`SELECT 1 FROM pg_advisory_xact_lock(hashtextextended(${`campaign_contacts:${campaignId}`}, 0))`;
}

/** The last `seq` of the campaign (0 without contacts): the index on (campaign_id, seq) answers it. */
export async function lastSeq(tx: DbTx, campaignId: string): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ seq: number | null }>>`SELECT max(seq) AS seq FROM campaign_contacts WHERE campaign_id = ${campaignId}`;
  return rows[0]?.seq ?? 0;
}

/**
 * Writes contacts as `pending` in one multi-row statement (arrays unnested server-side: a handful of parameters
 * however many rows). A number the campaign already has is skipped by its unique index, not by an earlier read, so
 * an upload racing another cannot add it twice; the numbers written are returned, and the caller reports the rest
 * as duplicates.
 */
export async function insertContacts(tx: DbTx, campaign: { id: string; tenantId: string }, contacts: readonly NewContact[], at: Date): Promise<Set<string>> {
  if (contacts.length === 0) return new Set();
  const rows = await tx.$queryRaw<Array<{ to_number: string }>>`
    INSERT INTO campaign_contacts (id, campaign_id, tenant_id, seq, to_number, context, timezone, state, attempts, created_at, updated_at)
    SELECT c.id, ${campaign.id}, ${campaign.tenantId}, c.seq, c.to_number, c.context::jsonb, c.timezone, 'pending', 0, ${at}, ${at}
    FROM unnest(${contacts.map(() => newId('campaignContact'))}::text[], ${contacts.map((c) => c.seq)}::int[], ${contacts.map((c) => c.number)}::text[],
                ${contacts.map((c) => JSON.stringify(c.context))}::text[], ${contacts.map((c) => c.timezone)}::text[]) AS c(id, seq, to_number, context, timezone)
    ON CONFLICT (campaign_id, to_number) DO NOTHING
    RETURNING to_number`;
  return new Set(rows.map((r) => r.to_number));
}

/**
 * Marks the campaign as just changed, if it still takes contacts: false once it is `completed` or `canceled`. Run
 * last in an upload's transaction, it takes the campaign's row lock until commit, so a cancel either committed before
 * (the upload is refused and rolled back) or waits and then cancels the new contacts too.
 */
export async function touchOpenCampaign(tx: DbTx, campaignId: string, at: Date): Promise<boolean> {
  const n = await tx.$executeRaw`UPDATE campaigns SET updated_at = ${at} WHERE id = ${campaignId} AND status <> ALL(${FINAL_CAMPAIGN_STATUSES}::text[])`;
  return n === 1;
}

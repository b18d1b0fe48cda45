import { FINAL_CAMPAIGN_STATUSES, newId } from '@callplane/contracts';
import type { SqlTx } from '@callplane/db';

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
export async function lockContactList(tx: SqlTx, campaignId: string): Promise<void> {
  await tx.query(`SELECT 1 AS locked FROM pg_advisory_xact_lock(hashtextextended($1, 0))`, [`campaign_contacts:${campaignId}`]);
}

/** The last `seq` of the campaign (0 without contacts): the index on (campaign_id, seq) answers it. */
export async function lastSeq(tx: SqlTx, campaignId: string): Promise<number> {
  const rows = await tx.query<{ seq: number | null }>(`SELECT max(seq) AS seq FROM campaign_contacts WHERE campaign_id = $1`, [campaignId]);
  return rows[0]?.seq ?? 0;
}

/**
 * Writes contacts as `pending` in one multi-row statement (arrays unnested server-side: a handful of parameters
 * however many rows). A number the campaign already has is skipped by its unique index, not by an earlier read, so
 * an upload racing another cannot add it twice; the numbers written are returned, and the caller reports the rest
 * as duplicates.
 */
export async function insertContacts(tx: SqlTx, campaign: { id: string; tenantId: string }, contacts: readonly NewContact[], at: Date): Promise<Set<string>> {
  if (contacts.length === 0) return new Set();
  const rows = await tx.query<{ to_number: string }>(INSERT_CONTACTS_SQL, [
    campaign.id,
    campaign.tenantId,
    at.toISOString(),
    contacts.map(() => newId('campaignContact')),
    contacts.map((c) => c.seq),
    contacts.map((c) => c.number),
    contacts.map((c) => JSON.stringify(c.context)),
    contacts.map((c) => c.timezone),
  ]);
  return new Set(rows.map((r) => r.to_number));
}

const INSERT_CONTACTS_SQL = `
  INSERT INTO campaign_contacts (id, campaign_id, tenant_id, seq, to_number, context, timezone, state, attempts, created_at, updated_at)
  SELECT c.id, $1, $2, c.seq, c.to_number, c.context::jsonb, c.timezone, 'pending', 0, $3::timestamp(3), $3::timestamp(3)
  FROM unnest($4::text[], $5::int[], $6::text[], $7::text[], $8::text[]) AS c(id, seq, to_number, context, timezone)
  ON CONFLICT (campaign_id, to_number) DO NOTHING
  RETURNING to_number`;

/**
 * Marks the campaign as just changed, if it still takes contacts: false once it is `completed` or `canceled`. Run
 * last in an upload's transaction, it takes the campaign's row lock until commit, so a cancel either committed before
 * (the upload is refused and rolled back) or waits and then cancels the new contacts too.
 */
export async function touchOpenCampaign(tx: SqlTx, campaignId: string, at: Date): Promise<boolean> {
  const rows = await tx.query(
    `UPDATE campaigns SET updated_at = $2::timestamp(3) WHERE id = $1 AND status <> ALL($3::text[]) RETURNING id`,
    [campaignId, at.toISOString(), FINAL_CAMPAIGN_STATUSES],
  );
  return rows.length === 1;
}

/** The campaign's status as this transaction sees it. */
export async function campaignStatus(tx: SqlTx, campaignId: string): Promise<string> {
  const rows = await tx.query<{ status: string }>(`SELECT status FROM campaigns WHERE id = $1`, [campaignId]);
  return rows[0]!.status;
}

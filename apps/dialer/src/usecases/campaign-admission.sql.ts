import type { Campaign, Prisma, SqlTx } from '@callplane/db';

/**
 * The statements of a campaign round (libs/db `Sql`, in the round's transaction, which holds the campaign's row lock):
 * what the runner reads and writes for every campaign it looks at, several times a second on every replica.
 */

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** The campaigns columns as Prisma's `Campaign`. */
const CAMPAIGN_SELECT = `id, tenant_id AS "tenantId", user_id AS "userId", name, agent_id AS "agentId", from_numbers AS "fromNumbers",
  timezone, windows, start_at AS "startAt", end_at AS "endAt", concurrency, max_calls_per_second AS "maxCallsPerSecond", retry,
  recipient_hours AS "recipientHours", webhook_url AS "webhookUrl", status, pace_next_at AS "paceNextAt", rotation,
  created_at AS "createdAt", updated_at AS "updatedAt", launched_at AS "launchedAt", completed_at AS "completedAt",
  completion_sent_at AS "completionSentAt"`;

const LOCK_CAMPAIGN_SQL = `SELECT ${CAMPAIGN_SELECT} FROM campaigns WHERE id = $1 FOR UPDATE SKIP LOCKED`;

/** The campaign, locked and read in one statement; null when another replica holds it (or it is gone). */
export async function lockCampaign(tx: SqlTx, id: string): Promise<Campaign | null> {
  return (await tx.query<Campaign>(LOCK_CAMPAIGN_SQL, [id]))[0] ?? null;
}

export type FromNumber = { id: string; number: string };

/** What a round decides on besides the campaign's row, read once its row lock is held (a statement of its own, so it sees every admission committed before). */
export interface RoundState {
  /** Whether any contact is not final yet (`openStates`): none, and the campaign is complete. */
  open: boolean;
  /** Its calls up: contacts in `calling`. */
  calling: number;
  /** Whether any contact waits to be called: `pending`, or `retry_scheduled` and due. */
  waiting: boolean;
  /** Its from-numbers that can place a call now: still the tenant's, active, outbound enabled. */
  usable: FromNumber[];
}

const ROUND_STATE_SQL = `
  SELECT EXISTS (SELECT 1 FROM campaign_contacts WHERE campaign_id = $1 AND state = ANY($3::text[])) AS open,
         (SELECT count(*)::int FROM campaign_contacts WHERE campaign_id = $1 AND state = 'calling') AS calling,
         EXISTS (SELECT 1 FROM campaign_contacts WHERE campaign_id = $1 AND state = 'pending')
         OR EXISTS (SELECT 1 FROM campaign_contacts WHERE campaign_id = $1 AND state = 'retry_scheduled' AND next_attempt_at <= $2::timestamp(3)) AS waiting,
         (SELECT coalesce(json_agg(json_build_object('id', id, 'number', number)), '[]'::json) FROM phone_numbers
          WHERE tenant_id = $4 AND number = ANY($5::text[]) AND state = 'active' AND outbound_enabled) AS usable`;

/** The round's state in one round trip. */
export async function roundState(tx: SqlTx, campaign: Pick<Campaign, 'id' | 'tenantId' | 'fromNumbers'>, now: Date, openStates: readonly string[]): Promise<RoundState> {
  return (await tx.query<RoundState>(ROUND_STATE_SQL, [campaign.id, now.toISOString(), openStates, campaign.tenantId, campaign.fromNumbers]))[0]!;
}

export interface WaitingContact {
  id: string;
  seq: number;
  to_number: string;
  timezone: string | null;
  context: Prisma.JsonValue;
  /** On the tenant's do-not-call list now. */
  listed: boolean;
}

/**
 * `pending` ones and due retries, read apart (each on the (campaign, state, seq) index) and locked, with whether each
 * number is on the tenant's do-not-call list, in one statement.
 */
const WAITING_PAGE_SQL = `
  WITH pending AS (
    SELECT id, seq, to_number, timezone, context FROM campaign_contacts
    WHERE campaign_id = $1 AND state = 'pending' AND seq > $2
    ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
  ),
  retries AS (
    SELECT id, seq, to_number, timezone, context FROM campaign_contacts
    WHERE campaign_id = $1 AND state = 'retry_scheduled' AND next_attempt_at <= $4::timestamp(3) AND seq > $2
    ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED
  )
  SELECT w.*, EXISTS (SELECT 1 FROM do_not_call_numbers d WHERE d.tenant_id = $5 AND d.number = w.to_number) AS listed
  FROM (SELECT * FROM pending UNION ALL SELECT * FROM retries) w
  ORDER BY w.seq LIMIT $3`;

/** The next waiting contacts after `seq` in upload order, locked for this transaction (those another holds are passed over). */
export function waitingPage(tx: SqlTx, campaign: Pick<Campaign, 'id' | 'tenantId'>, now: Date, afterSeq: number, limit: number): Promise<WaitingContact[]> {
  return tx.query<WaitingContact>(WAITING_PAGE_SQL, [campaign.id, afterSeq, limit, now.toISOString(), campaign.tenantId]);
}

const MARK_DO_NOT_CALL_SQL = `UPDATE campaign_contacts SET state = 'do_not_call', next_attempt_at = NULL, updated_at = $2::timestamp(3) WHERE id = ANY($1::text[])`;

export async function markDoNotCall(tx: SqlTx, contactIds: readonly string[], now: Date): Promise<void> {
  await tx.query(MARK_DO_NOT_CALL_SQL, [contactIds, now.toISOString()]);
}

/** A call admitted for a contact: its row id (the session id to be), its from-number and its pace slot. */
export interface AdmittedRow {
  id: string;
  contact: WaitingContact;
  from: FromNumber;
  at: Date;
}

/**
 * The round's writes in one statement: an `outbound_calls` row per call (`dispatching`, claimed by this replica), each
 * contact `calling` (attempts + 1, its call, its slot), and the campaign's pace and rotation moved on.
 */
const ADMIT_SQL = `
  WITH a AS (
    SELECT * FROM unnest($8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::jsonb[], $14::timestamptz[])
      AS a(call_id, contact_id, from_phone_id, from_number, to_number, context, at)
  ),
  calls AS (
    INSERT INTO outbound_calls (id, tenant_id, user_id, agent_id, from_phone_id, from_number, to_number, call_type, context, state,
                                claimed_by, webhook_url, campaign_id, campaign_contact_id, created_at, updated_at)
    SELECT a.call_id, $1, $2, $3, a.from_phone_id, a.from_number, a.to_number, 'campaign', a.context, 'dispatching',
           $4, $5, $6, a.contact_id, $7::timestamp(3), $7::timestamp(3)
    FROM a
  ),
  contacts AS (
    UPDATE campaign_contacts AS c
    SET state = 'calling', attempts = c.attempts + 1, last_session_id = a.call_id, claimed_at = a.at AT TIME ZONE 'UTC',
        next_attempt_at = NULL, updated_at = $7::timestamp(3)
    FROM a WHERE c.id = a.contact_id
  )
  UPDATE campaigns SET pace_next_at = $15::timestamp(3), rotation = $16::int, updated_at = $7::timestamp(3) WHERE id = $6`;

export async function writeAdmission(
  tx: SqlTx,
  campaign: Pick<Campaign, 'id' | 'tenantId' | 'userId' | 'agentId' | 'webhookUrl'>,
  calls: readonly AdmittedRow[],
  next: { paceNextAt: Date | null; rotation: number },
  replica: string,
  now: Date,
): Promise<void> {
  await tx.query(ADMIT_SQL, [
    campaign.tenantId,
    campaign.userId,
    campaign.agentId,
    replica,
    campaign.webhookUrl,
    campaign.id,
    // The scheduler's stale reclaim reads `updated_at`: set on the same clock as its own.
    now.toISOString(),
    calls.map((c) => c.id),
    calls.map((c) => c.contact.id),
    calls.map((c) => c.from.id),
    calls.map((c) => c.from.number),
    calls.map((c) => c.contact.to_number),
    calls.map((c) => JSON.stringify(c.contact.context ?? {})),
    calls.map((c) => c.at.toISOString()),
    iso(next.paceNextAt),
    next.rotation,
  ]);
}

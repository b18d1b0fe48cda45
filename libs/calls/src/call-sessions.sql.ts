import type { CallSession, SqlTx } from '@callplane/db';
import { OUTBOX_COLUMNS, outboxRowValues, type OutboxRow } from '@callplane/events';
import type { CallRef } from './call-transitions';

/**
 * The statements that read and write `call_sessions` on the hot paths (libs/db `Sql`: the pg pool, or Prisma's raw
 * queries on the embedded database). Rows come back shaped as Prisma's `CallSession`, so the rest of libs/calls (the
 * state machine, the lifecycle event) works on one type whichever way a session was read.
 */
const SESSION_SELECT = `id, tenant_id AS "tenantId", agent_id AS "agentId", phone_number_id AS "phoneNumberId", direction,
  call_type AS "callType", from_number AS "fromNumber", to_number AS "toNumber", provider, provider_call_id AS "providerCallId",
  status, end_reason AS "endReason", sip_status AS "sipStatus", room_name AS "roomName", campaign_id AS "campaignId",
  max_duration_seconds AS "maxDurationSeconds", media_replica AS "mediaReplica", created_at AS "createdAt",
  answered_at AS "answeredAt", ended_at AS "endedAt", updated_at AS "updatedAt"`;

/**
 * The one reading of a call reference: a session id names that session; a room names its most recent session; a
 * carrier's call id names the session of that number's call. `select` is the column list; `suffix` follows the query.
 */
export function callRefQuery(ref: CallRef, select: string, suffix = ''): { text: string; values: string[] } {
  if ('sessionId' in ref) return { text: `SELECT ${select} FROM call_sessions WHERE id = $1 ${suffix}`, values: [ref.sessionId] };
  if ('roomName' in ref) return { text: `SELECT ${select} FROM call_sessions WHERE room_name = $1 ORDER BY created_at DESC LIMIT 1 ${suffix}`, values: [ref.roomName] };
  return { text: `SELECT ${select} FROM call_sessions WHERE phone_number_id = $1 AND provider_call_id = $2 LIMIT 1 ${suffix}`, values: [ref.phoneNumberId, ref.providerCallId] };
}

/** The session a reference names, locked (FOR UPDATE) and read in one statement, for the caller's transaction. */
export async function lockSession(tx: SqlTx, ref: CallRef): Promise<CallSession | null> {
  const { text, values } = callRefQuery(ref, SESSION_SELECT, 'FOR UPDATE');
  return (await tx.query<CallSession>(text, values))[0] ?? null;
}

/**
 * The session a reference names and its row version (`xmin`: the transaction that wrote the row as it is now), read
 * without a lock, for a write that applies only if the row is still that version (`updateSessionWithEvent`).
 */
export async function readSessionVersion(tx: SqlTx, ref: CallRef): Promise<{ session: CallSession; version: string } | null> {
  const { text, values } = callRefQuery(ref, `${SESSION_SELECT}, xmin::text AS "rowVersion"`);
  const row = (await tx.query<CallSession & { rowVersion: string }>(text, values))[0];
  if (!row) return null;
  const { rowVersion, ...session } = row;
  return { session, version: rowVersion };
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** `version`: compare-and-set on `xmin` (written only if the row is still the version read); null: the caller holds the row lock. */
const updateSessionSql = (versioned: boolean) => `
  WITH s AS (
    UPDATE call_sessions
    SET status = $2, answered_at = $3::timestamp(3), ended_at = $4::timestamp(3), sip_status = $5::int, end_reason = $6,
        room_name = $7, updated_at = $8::timestamp(3)
    WHERE id = $1 ${versioned ? 'AND xmin = $14::text::xid' : ''}
    RETURNING id
  ),
  e AS (
    INSERT INTO outbox_events (${OUTBOX_COLUMNS.join(', ')})
    SELECT $9, $10, $11, $12::jsonb, $13::timestamp(3) FROM s
  )
  SELECT count(*)::int AS n FROM s`;
const UPDATE_SESSION_SQL = updateSessionSql(false);
const UPDATE_SESSION_VERSION_SQL = updateSessionSql(true);

/**
 * Writes a session's moved fields and its event in one statement (the event only if the row was written); with
 * `version`, only if the row is still that version. Returns whether it was written.
 */
export async function updateSessionWithEvent(tx: SqlTx, s: CallSession, event: OutboxRow, version?: string): Promise<boolean> {
  const values = [s.id, s.status, iso(s.answeredAt), iso(s.endedAt), s.sipStatus, s.endReason, s.roomName, iso(s.updatedAt), ...outboxRowValues(event)];
  const [row] = await tx.query<{ n: number }>(version === undefined ? UPDATE_SESSION_SQL : UPDATE_SESSION_VERSION_SQL, version === undefined ? values : [...values, version]);
  return row!.n === 1;
}

const SET_ROOM_SQL = `UPDATE call_sessions SET room_name = $2, updated_at = $3::timestamp(3) WHERE id = $1 RETURNING id`;
const SET_ROOM_VERSION_SQL = `UPDATE call_sessions SET room_name = $2, updated_at = $3::timestamp(3) WHERE id = $1 AND xmin = $4::text::xid RETURNING id`;

/** Keeps the session's room; with `version`, only if the row is still that version. Returns whether it was written. */
export async function setSessionRoom(tx: SqlTx, s: CallSession, version?: string): Promise<boolean> {
  const rows = version === undefined ? await tx.query(SET_ROOM_SQL, [s.id, s.roomName, iso(s.updatedAt)]) : await tx.query(SET_ROOM_VERSION_SQL, [s.id, s.roomName, iso(s.updatedAt), version]);
  return rows.length === 1;
}

/**
 * A guard for `insertSessionWithEvents`: a statement (its first `params` parameters are `$1…$params`) returning a row
 * when the session may open, run in the same statement (a writer's own step, such as the dialer's `dispatching →
 * dispatched`); the session and its events are written only if it returned one. Its text is a constant.
 */
export interface SessionGuard {
  sql: string;
  values: readonly unknown[];
}

const sessionInsertSql = (guard: string | null, p: number) => `
  WITH ${guard ? `guard AS (${guard}),` : ''}
  s AS (
    INSERT INTO call_sessions (id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number, provider,
                               provider_call_id, status, end_reason, sip_status, room_name, campaign_id, max_duration_seconds,
                               media_replica, created_at, answered_at, ended_at, updated_at)
    SELECT $${p + 1}, $${p + 2}, $${p + 3}, $${p + 4}, $${p + 5}, $${p + 6}, $${p + 7}, $${p + 8}, $${p + 9}, $${p + 10}, $${p + 11},
           $${p + 12}, $${p + 13}::int, $${p + 14}, $${p + 15}, $${p + 16}::int, $${p + 17}, $${p + 18}::timestamp(3),
           $${p + 19}::timestamp(3), $${p + 20}::timestamp(3), $${p + 21}::timestamp(3)
    ${guard ? 'WHERE EXISTS (SELECT 1 FROM guard)' : ''}
    RETURNING id
  ),
  e AS (
    INSERT INTO outbox_events (${OUTBOX_COLUMNS.join(', ')})
    SELECT * FROM unnest($${p + 22}::text[], $${p + 23}::text[], $${p + 24}::text[], $${p + 25}::jsonb[], $${p + 26}::timestamp(3)[])
    WHERE EXISTS (SELECT 1 FROM s)
  )
  SELECT count(*)::int AS opened FROM s`;

const INSERT_SESSION_SQL = sessionInsertSql(null, 0);
/** One statement text per guard text (guards are constants: the map stays small). */
const guardedSql = new Map<string, string>();

/**
 * A new session row and its events (its first lifecycle event, and any the opener sends with it) in one statement;
 * with a `guard`, only if the guard returned a row. Returns whether the session was written.
 */
export async function insertSessionWithEvents(tx: SqlTx, s: CallSession, events: readonly OutboxRow[], guard?: SessionGuard): Promise<boolean> {
  const cols: string[][] = OUTBOX_COLUMNS.map(() => []);
  for (const e of events) outboxRowValues(e).forEach((v, i) => cols[i]!.push(v));
  let text = INSERT_SESSION_SQL;
  if (guard) {
    text = guardedSql.get(guard.sql) ?? sessionInsertSql(guard.sql, guard.values.length);
    guardedSql.set(guard.sql, text);
  }
  const [row] = await tx.query<{ opened: number }>(text, [
    ...(guard?.values ?? []),
    s.id, s.tenantId, s.agentId, s.phoneNumberId, s.direction, s.callType, s.fromNumber, s.toNumber, s.provider,
    s.providerCallId, s.status, s.endReason, s.sipStatus, s.roomName, s.campaignId, s.maxDurationSeconds,
    s.mediaReplica, iso(s.createdAt), iso(s.answeredAt), iso(s.endedAt), iso(s.updatedAt), ...cols,
  ]);
  return row!.opened === 1;
}

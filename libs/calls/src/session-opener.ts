import type { CallSession, PrismaClient } from '@callplane/db';
import { OUTBOX_COLUMNS, outboxRow, outboxRowValues, type OutboxRow } from '@callplane/events';
import { AppError } from '@callplane/service-kit';
import { lifecycleEvent } from './lifecycle';
import { newSessionRow, type NewCallSession } from './session-row';

/** A session the gateway opens from a carrier's webhook: the carrier's call id is known from the first request. */
/** What the batched opener writes: inbound calls from carrier webhooks, so no room yet and no campaign. */
export type NewSession = Omit<NewCallSession, 'id' | 'providerCallId' | 'roomName' | 'campaignId' | 'maxDurationSeconds'> & { providerCallId: string };

interface Pending {
  session: CallSession;
  event: OutboxRow;
  resolve(r: { session: CallSession; created: boolean }): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 100;

/** What a pg pool offers that the opener uses; a `pg` Pool fits. */
export interface SqlPool {
  query<R extends object>(q: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[] }>;
}

export interface SessionOpenerDeps {
  prisma: PrismaClient;
  /** The outbox relay, told after a write that created sessions so their events go out without waiting for a poll. */
  outbox: { notify(): void };
  now(): Date;
  /** The pg pool under `prisma` (`Database.pool`) for the session statement; absent (the embedded database): through Prisma. */
  pool?: SqlPool | null;
}

/** The session columns of `OPEN_SESSIONS_SQL`, in the order of its arrays. */
const SESSION_COLUMNS = 14;
const OPEN_SESSIONS_STATEMENT = 'callplane_open_call_sessions_v2';
/**
 * Timestamps are stored as UTC wall time in `timestamp(3)`, as Prisma writes them; the cast drops the "Z". The
 * outbox row's columns are libs/events' (`OUTBOX_COLUMNS`, values from `outboxRowValues`), as `enqueueEvent` writes them.
 */
const OPEN_SESSIONS_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamp(3)[], $14::timestamp(3)[],
                         $15::text[], $16::text[], $17::text[], $18::jsonb[], $19::timestamp(3)[])
      AS t (id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number, provider, provider_call_id,
            status, end_reason, created_at, ended_at, event_id, event_topic, event_key, event_envelope, event_created_at)
  ),
  s AS (
    INSERT INTO call_sessions (id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number,
                               provider, provider_call_id, status, end_reason, created_at, ended_at, updated_at)
    SELECT id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number,
           provider, provider_call_id, status, end_reason, created_at, ended_at, created_at FROM input
    ON CONFLICT (provider, provider_call_id) DO NOTHING
    RETURNING id
  ),
  e AS (
    INSERT INTO outbox_events (${OUTBOX_COLUMNS.join(', ')})
    SELECT i.event_id, i.event_topic, i.event_key, i.event_envelope, i.event_created_at FROM input i JOIN s ON s.id = i.id
  )
  SELECT id FROM s`;

/**
 * Opens call sessions, each with its first lifecycle event, atomically: one statement inserts the session
 * and its outbox row, so either both exist or neither. A provider retrying the same call (same provider +
 * call id) gets the existing session back and no second event: the unique index decides (`ON CONFLICT DO
 * NOTHING` inserts neither row), so concurrent retries on several replicas still produce one.
 *
 * Webhooks arriving together share one statement: while a write is in flight the next ones queue, and are
 * written together when it returns. Under load that turns many round trips and commits into one; alone, a
 * webhook is written at once. The row and its event are built as every other opener builds them
 * (`newSessionRow`, `lifecycleEvent`, libs/events' `outboxRow`).
 */
export class SessionOpener {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly deps: SessionOpenerDeps) {}

  open(input: NewSession): Promise<{ session: CallSession; created: boolean }> {
    const at = this.deps.now();
    const session = newSessionRow(input, at);
    const event = outboxRow(lifecycleEvent(session, at));
    return new Promise((resolve, reject) => {
      this.queue.push({ session, event, resolve, reject });
      if (!this.flushing) void this.flush();
    });
  }

  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await this.write(batch);
        } catch (err) {
          if (batch.length === 1) batch[0]!.reject(err);
          // One bad row fails the whole statement: write each alone, so only its own webhook fails.
          else for (const p of batch) await this.write([p]).catch((e: unknown) => p.reject(e));
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private async write(batch: Pending[]): Promise<void> {
    const { prisma } = this.deps;
    const created = await this.insert(batch);
    const createdIds = new Set(created.map((r) => r.id));
    if (createdIds.size > 0) this.deps.outbox.notify();

    const retried = batch.filter((p) => !createdIds.has(p.session.id));
    const existing = retried.length
      ? await prisma.callSession.findMany({
          where: { OR: retried.map((p) => ({ provider: p.session.provider, providerCallId: p.session.providerCallId })) },
        })
      : [];
    const byCall = new Map(existing.map((s) => [`${s.provider}|${s.providerCallId}`, s]));
    for (const p of batch) {
      if (createdIds.has(p.session.id)) {
        p.resolve({ session: p.session, created: true });
        continue;
      }
      const found = byCall.get(`${p.session.provider}|${p.session.providerCallId}`);
      if (!found) p.reject(new Error(`call session for ${p.session.provider} call ${p.session.providerCallId} conflicted but cannot be read`));
      // A retry is the same call on the same number. The same call id on another number (another tenant's,
      // perhaps) is refused: answering with that session would hand one tenant's call to another.
      else if (found.phoneNumberId !== p.session.phoneNumberId || found.tenantId !== p.session.tenantId) {
        p.reject(new AppError('conflict', 'This call id already belongs to a call on another number.'));
      } else p.resolve({ session: found, created: false });
    }
  }

  /**
   * Inserts the batch's sessions and their events in one statement; returns the ids of the sessions it created. The
   * statement goes straight to the database's pg pool when there is one (Prisma's raw-query path was a large share of
   * a webhook's CPU), else through Prisma (the embedded database): the same SQL either way.
   */
  private async insert(batch: Pending[]): Promise<Array<{ id: string }>> {
    // A column per array, in the order of OPEN_SESSIONS_SQL: one prepared statement whatever the batch size.
    const width = SESSION_COLUMNS + OUTBOX_COLUMNS.length;
    const cols: Array<Array<string | null>> = Array.from({ length: width }, () => new Array<string | null>(batch.length));
    for (let i = 0; i < batch.length; i++) {
      const { session: s, event } = batch[i]!;
      const ts = s.createdAt.toISOString();
      const row = [s.id, s.tenantId, s.agentId, s.phoneNumberId, s.direction, s.callType, s.fromNumber, s.toNumber,
        s.provider, s.providerCallId, s.status, s.endReason, ts, s.endedAt ? s.endedAt.toISOString() : null, ...outboxRowValues(event)];
      for (let c = 0; c < width; c++) cols[c]![i] = row[c]!;
    }
    const pool = this.deps.pool;
    if (!pool) return this.deps.prisma.$queryRawUnsafe<Array<{ id: string }>>(OPEN_SESSIONS_SQL, ...cols);
    const res = await pool.query<{ id: string }>({ name: OPEN_SESSIONS_STATEMENT, text: OPEN_SESSIONS_SQL, values: cols });
    return res.rows;
  }
}

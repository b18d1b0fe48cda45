import { buildEventEnvelope, lifecycleEventType, newId, TOPICS, type CallDirection, type EventEnvelope, type CallLifecycleData, type CallState, type CallType, type Provider } from '@callplane/contracts';
import { lifecycleData } from '@callplane/calls';
import type { CallSession, PrismaClient } from '@callplane/db';
import { AppError } from '@callplane/service-kit';
import type { GatewayDeps } from './deps';

export interface NewSession {
  tenantId: string;
  agentId: string | null;
  phoneNumberId: string | null;
  direction: CallDirection;
  callType: CallType;
  fromNumber: string;
  toNumber: string;
  provider: Provider;
  providerCallId: string;
  state: CallState;
  endReason?: string | null;
}


interface Pending {
  session: CallSession;
  envelope: EventEnvelope<CallLifecycleData>;
  resolve(r: { session: CallSession; created: boolean }): void;
  reject(err: unknown): void;
}

const MAX_BATCH = 100;

/** What a pg pool offers that the opener uses; a `pg` Pool fits. */
export interface SqlPool {
  query<R extends object>(q: { name?: string; text: string; values?: unknown[] }): Promise<{ rows: R[] }>;
}

export interface SessionOpenerDeps extends Pick<GatewayDeps, 'outbox'> {
  prisma: PrismaClient;
  now(): Date;
  /** The pg pool under `prisma` (`Database.pool`) for the session statement; absent (the embedded database): through Prisma. */
  pool?: SqlPool | null;
}

const OPEN_SESSIONS_STATEMENT = 'callplane_open_call_sessions_v1';
/** Timestamps are stored as UTC wall time in `timestamp(3)`, as Prisma writes them; the cast drops the "Z". */
const OPEN_SESSIONS_SQL = `
  WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::text[], $10::text[], $11::text[], $12::text[], $13::timestamp(3)[], $14::timestamp(3)[], $15::text[], $16::jsonb[])
      AS t (id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number, provider, provider_call_id,
            status, end_reason, created_at, ended_at, event_id, envelope)
  ),
  s AS (
    INSERT INTO call_sessions (id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number,
                               provider, provider_call_id, status, end_reason, created_at, ended_at, updated_at)
    SELECT id, tenant_id, agent_id, phone_number_id, direction, call_type, from_number, to_number,
           provider, provider_call_id, status, end_reason, created_at, ended_at, created_at FROM input
    ON CONFLICT (provider, provider_call_id) DO NOTHING
    RETURNING id
  )
  INSERT INTO outbox_events (id, topic, key, envelope, created_at)
  SELECT i.event_id, $17, i.id, i.envelope, i.created_at FROM input i JOIN s ON s.id = i.id
  RETURNING key AS id`;

/**
 * Opens call sessions, each with its first lifecycle event, atomically: one statement inserts the session
 * and its outbox row, so either both exist or neither. A provider retrying the same call (same provider +
 * call id) gets the existing session back and no second event: the unique index decides (`ON CONFLICT DO
 * NOTHING` inserts neither row), so concurrent retries on several replicas still produce one.
 *
 * Webhooks arriving together share one statement: while a write is in flight the next ones queue, and are
 * written together when it returns. Under load that turns many round trips and commits into one; alone, a
 * webhook is written at once.
 */
export class SessionOpener {
  private queue: Pending[] = [];
  private flushing = false;

  constructor(private readonly deps: SessionOpenerDeps) {}

  open(input: NewSession): Promise<{ session: CallSession; created: boolean }> {
    const at = this.deps.now();
    const terminal = input.state !== 'initiating' && input.state !== 'ringing' && input.state !== 'in_progress';
    const session: CallSession = {
      id: newId('callSession'),
      tenantId: input.tenantId,
      agentId: input.agentId,
      phoneNumberId: input.phoneNumberId,
      direction: input.direction,
      callType: input.callType,
      fromNumber: input.fromNumber,
      toNumber: input.toNumber,
      provider: input.provider,
      providerCallId: input.providerCallId,
      status: input.state,
      endReason: input.endReason ?? null,
      sipStatus: null,
      roomName: null,
      createdAt: at,
      answeredAt: null,
      endedAt: terminal ? at : null,
      updatedAt: at,
    };
    const envelope = buildEventEnvelope({ type: lifecycleEventType(input.state), tenantId: session.tenantId, key: session.id, data: lifecycleData(session), occurredAt: at });
    return new Promise((resolve, reject) => {
      this.queue.push({ session, envelope, resolve, reject });
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
    const cols: Array<Array<string | null>> = Array.from({ length: 16 }, () => new Array<string | null>(batch.length));
    for (let i = 0; i < batch.length; i++) {
      const { session: s, envelope } = batch[i]!;
      const ts = s.createdAt.toISOString();
      const row = [s.id, s.tenantId, s.agentId, s.phoneNumberId, s.direction, s.callType, s.fromNumber, s.toNumber,
        s.provider, s.providerCallId, s.status, s.endReason, ts, s.endedAt ? ts : null, envelope.id, JSON.stringify(envelope)];
      for (let c = 0; c < 16; c++) cols[c]![i] = row[c]!;
    }
    const values = [...cols, TOPICS.callLifecycle];
    const pool = this.deps.pool;
    if (!pool) return this.deps.prisma.$queryRawUnsafe<Array<{ id: string }>>(OPEN_SESSIONS_SQL, ...values);
    const res = await pool.query<{ id: string }>({ name: OPEN_SESSIONS_STATEMENT, text: OPEN_SESSIONS_SQL, values });
    return res.rows;
  }
}

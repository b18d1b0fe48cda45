import type { CallState } from '@callplane/contracts';
import { sqlIn, type CallSession, type DbTx, type PrismaClient, type SqlTx } from '@callplane/db';
import { Counter, Registry } from 'prom-client';
import type { CallTransitions } from './call-transitions';
import { END_REASONS } from './end-reason';

/** How far a lost call had got: answered (its media died mid-call), or not (it never rang through). */
export type LostStage = 'answered' | 'unanswered';

/** Who found it: the reaper (past its maximum and the grace period), or its own replica starting again. */
export type LostSource = 'reaper' | 'reconcile';

/** An open session as the one ending it holds it locked: what deciding how it ends needs. */
export interface LockedOpenCall {
  id: string;
  status: string;
  answeredAt: Date | null;
  /** The call's cap, when known: an answered call is stamped ended no later than `answeredAt` + this. */
  maxSeconds: number | null;
}

export interface LostCall {
  session: CallSession;
  stage: LostStage;
}

/**
 * Ends one call that nobody runs any more, with `end_reason: lost`, through the call-state machine, in the caller's
 * transaction (which holds the session's row lock). Answered, it ends `completed` (a conversation took place), stamped
 * at the latest when its maximum ran out: the agent and LiveKit's own cap would have hung up there, so the call is
 * never billed past it. Not answered, it ends `failed` now. Null when the session had already ended (nothing is sent).
 */
export async function endLostCall(tx: DbTx, transitions: CallTransitions, call: LockedOpenCall, now: Date): Promise<LostCall | null> {
  const answered = call.status === 'in_progress';
  const cap = answered && call.answeredAt && call.maxSeconds !== null ? new Date(call.answeredAt.getTime() + call.maxSeconds * 1000) : null;
  const state: CallState = answered ? 'completed' : 'failed';
  const at = cap && cap < now ? cap : now;
  const outcome = await transitions.reportWithin(tx, { call: { sessionId: call.id }, state, at, endReason: END_REASONS.lost });
  return outcome.kind === 'applied' ? { session: outcome.session, stage: answered ? 'answered' : 'unanswered' } : null;
}

/**
 * Records, when a voice-agent replica takes a call, that its media runs there and under which cap: the reaper's
 * maximum, and what that replica ends on its next start. Only while the call is open.
 */
export async function recordMediaReplica(db: PrismaClient | SqlTx, sessionId: string, media: { replica: string; maxDurationSeconds: number }): Promise<void> {
  await sqlIn(db).query(RECORD_MEDIA_REPLICA_SQL, [sessionId, media.replica, media.maxDurationSeconds, new Date().toISOString()]);
}

const RECORD_MEDIA_REPLICA_SQL = `
  UPDATE call_sessions SET media_replica = $2, max_duration_seconds = $3::int, updated_at = $4::timestamp(3)
  WHERE id = $1 AND ended_at IS NULL`;

const RECONCILE_BATCH = 100;

/**
 * Ends `lost` every open call whose media ran on `replica`. Called when that replica starts, before it takes a call:
 * every such call belongs to its previous run, whose process (and the call's audio with it) is gone. Calls other
 * replicas run carry their own names and are not touched. Batches claimed FOR UPDATE SKIP LOCKED, so a reaper
 * round working at the same moment ends each call once. Returns the calls it ended, for their rooms and the metric.
 */
export async function endCallsOfEarlierRun(deps: { prisma: PrismaClient; transitions: CallTransitions; outbox: { notify(): void } }, replica: string, now: () => Date): Promise<LostCall[]> {
  const ended: LostCall[] = [];
  for (;;) {
    const batch = await deps.prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ id: string; status: string; answered_at: Date | null; max_duration_seconds: number | null }>>`
        SELECT id, status, answered_at, max_duration_seconds FROM call_sessions
        WHERE ended_at IS NULL AND media_replica = ${replica}
        ORDER BY created_at LIMIT ${RECONCILE_BATCH} FOR UPDATE SKIP LOCKED`;
      const lost: LostCall[] = [];
      for (const r of rows) {
        const call = await endLostCall(tx, deps.transitions, { id: r.id, status: r.status, answeredAt: r.answered_at, maxSeconds: r.max_duration_seconds }, now());
        if (call) lost.push(call);
      }
      return { claimed: rows.length, lost };
    });
    ended.push(...batch.lost);
    if (batch.lost.length) deps.outbox.notify();
    if (batch.claimed < RECONCILE_BATCH) return ended;
  }
}

/**
 * `calls_reaped_total`: calls ended `lost`, by `stage` (answered | unanswered) and `source` (reaper | reconcile), on
 * the service's registry (served at `/metrics`); a private one when none is given. Labels are bounded: never an id.
 */
export function lostCallsCounter(registry: Registry = new Registry()): Counter<'stage' | 'source'> {
  const name = 'calls_reaped_total';
  return (
    (registry.getSingleMetric(name) as Counter<'stage' | 'source'> | undefined) ??
    new Counter({ name, help: 'Calls nobody ran any more, ended lost, by how far they had got and by who found them', labelNames: ['stage', 'source'], registers: [registry] })
  );
}

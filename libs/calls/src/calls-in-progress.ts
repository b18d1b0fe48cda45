import type { PrismaClient } from '@callplane/db';

/** Calls not ended yet, counted by what a dashboard splits them by (never tenant or session ids: unbounded). */
export interface CallsInProgress {
  direction: string;
  callType: string;
  provider: string;
  /** initiating, ringing or in_progress. */
  state: string;
  calls: number;
}

/**
 * The calls in progress right now, from the sessions themselves: every replica that asks gets the same truth, and no
 * counter can drift when a process dies mid-call. A session gets `ended_at` in the very write that makes it terminal
 * (`newSessionRow`, `CallTransitions`), so "not ended" is `ended_at IS NULL`, which the partial index
 * `call_sessions_open_idx` holds: the query walks the live calls only.
 */
export async function countCallsInProgress(prisma: PrismaClient): Promise<CallsInProgress[]> {
  const rows = await prisma.$queryRaw<Array<{ direction: string; call_type: string; provider: string; status: string; calls: number }>>`
    SELECT direction, call_type, provider, status, count(*)::int AS calls
    FROM call_sessions WHERE ended_at IS NULL
    GROUP BY direction, call_type, provider, status`;
  return rows.map((r) => ({ direction: r.direction, callType: r.call_type, provider: r.provider, state: r.status, calls: Number(r.calls) }));
}

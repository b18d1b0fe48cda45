import { isTerminalState, nextCallState, type CallState } from '@callplane/contracts';
import { sqlIn, sqlOver, type CallSession, type DbTx, type PrismaClient, type Sql, type SqlPool, type SqlTx } from '@callplane/db';
import { outboxRow } from '@callplane/events';
import { lockSession, setSessionRoom, updateSessionWithEvent } from './call-sessions.sql';
import { defaultEndReason } from './end-reason';
import { lifecycleEvent } from './lifecycle';

/** How a report names its call: our session id, a provider's call id on one of our numbers, or the LiveKit room. */
export type CallRef = { sessionId: string } | { phoneNumberId: string; providerCallId: string } | { roomName: string };

export interface CallReport {
  call: CallRef;
  /** The state the source reports, already normalised to ours. */
  state: CallState;
  /** When the source says it happened (a provider timestamp), else now. */
  at: Date;
  sipStatus?: number | null;
  /** Why the call ended (terminal states only): `caller_hangup`, `room_closed`…; absent: `defaultEndReason` of the state it ends in. */
  endReason?: string | null;
  /** When the call was answered, if the report knows and we don't (Twilio's completed callback: end − CallDuration). */
  answeredAt?: Date | null;
  /** Remember the LiveKit room the call runs in, the first time it is seen. */
  roomName?: string;
}

export type ReportOutcome = { kind: 'unknown_call' } | { kind: 'ignored'; session: CallSession } | { kind: 'applied'; session: CallSession };

/**
 * The one writer of call state after a call starts. Every service that learns something about a call (the gateway
 * from provider and LiveKit webhooks, the dialer from LiveKit's answer to its INVITE) reports it here.
 *
 * Applies reports from every source to call sessions through the one state machine (`nextCallState`), under a row
 * lock: the session and its `call.lifecycle` event are written in one transaction, or nothing is. A duplicate,
 * late or out-of-order report changes nothing and emits nothing, so retries from providers and replicas racing
 * each other produce one event per transition.
 */
export interface CallTransitionsDeps {
  prisma: PrismaClient;
  outbox: { notify(): void };
  /** The pg pool under `prisma` (`Database.pool`): reports run on it (libs/db `sqlOver`); absent (the embedded database): through Prisma. */
  pool?: SqlPool | null;
}

export class CallTransitions {
  private readonly sql: Sql;

  constructor(private readonly deps: CallTransitionsDeps) {
    this.sql = sqlOver(deps.prisma, deps.pool);
  }

  async report(r: CallReport): Promise<ReportOutcome> {
    const outcome = await this.sql.transaction((tx) => this.reportIn(tx, r));
    if (outcome.kind === 'applied') this.deps.outbox.notify();
    return outcome;
  }

  /**
   * `report` inside the caller's transaction, for a caller that already holds the session's row lock (the reaper
   * claims overdue sessions FOR UPDATE SKIP LOCKED and ends them in the same transaction, so no replica ends a call
   * twice). The caller nudges the outbox (`outbox.notify()`) once it has committed.
   */
  reportWithin(tx: DbTx, r: CallReport): Promise<ReportOutcome> {
    return this.reportIn(sqlIn(tx), r);
  }

  /**
   * `report` inside the caller's transaction on libs/db `Sql` (a hot path that runs its own statements): the session is
   * locked and read in one statement, then moved and its event written in one more.
   */
  async reportIn(tx: SqlTx, r: CallReport): Promise<ReportOutcome> {
    const current = await lockSession(tx, r.call);
    if (!current) return { kind: 'unknown_call' };
    const next = nextCallState(current.status as CallState, r.state);
    const roomName = r.roomName && !current.roomName ? r.roomName : current.roomName;
    if (!next) {
      // Nothing moves, but a room seen for the first time is still worth keeping (it finds later reports).
      if (roomName === current.roomName) return { kind: 'ignored', session: current };
      const session = { ...current, roomName, updatedAt: new Date() };
      await setSessionRoom(tx, session);
      return { kind: 'ignored', session };
    }
    const terminal = isTerminalState(next);
    const session: CallSession = {
      ...current,
      status: next,
      answeredAt: current.answeredAt ?? (next === 'in_progress' ? r.at : (r.answeredAt ?? null)),
      endedAt: terminal ? r.at : null,
      sipStatus: r.sipStatus ?? current.sipStatus,
      endReason: terminal ? (r.endReason ?? current.endReason ?? defaultEndReason(next)) : current.endReason,
      roomName,
      updatedAt: new Date(),
    };
    await updateSessionWithEvent(tx, session, outboxRow(lifecycleEvent(session, r.at)));
    return { kind: 'applied', session };
  }
}

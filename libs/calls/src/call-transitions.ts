import { isTerminalState, nextCallState, type CallState } from '@callplane/contracts';
import { sqlIn, sqlOver, type CallSession, type DbTx, type PrismaClient, type Sql, type SqlPool, type SqlTx } from '@callplane/db';
import { outboxRow } from '@callplane/events';
import { lockSession, readSessionVersion, setSessionRoom, updateSessionWithEvent } from './call-sessions.sql';
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
 * Applies reports from every source to call sessions through the one state machine (`nextCallState`): the session
 * and its `call.lifecycle` event are written in one statement, or nothing is, and only onto the row the transition was
 * decided from (a compare-and-set on its version: a report that lost a race decides again on the row as it is now; in
 * a caller's transaction, under the caller's row lock). A duplicate, late or out-of-order report changes nothing and
 * emits nothing, so retries from providers and replicas racing each other produce one event per transition.
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

  /**
   * On its own: the session read with its row version, the transition decided, and written (with its event) in one
   * statement only if the row is still that version; else decided again on the row as it now is. Two round trips, no
   * transaction to open: every report of every call goes through here.
   */
  async report(r: CallReport): Promise<ReportOutcome> {
    for (let attempt = 1; ; attempt++) {
      const read = await readSessionVersion(this.sql, r.call);
      if (!read) return { kind: 'unknown_call' };
      const step = decide(read.session, r);
      if (step.kind === 'ignored' && !step.roomSeen) return { kind: 'ignored', session: step.session };
      const written =
        step.kind === 'applied'
          ? await updateSessionWithEvent(this.sql, step.session, outboxRow(lifecycleEvent(step.session, r.at)), read.version)
          : await setSessionRoom(this.sql, step.session, read.version);
      if (written) {
        if (step.kind === 'applied') this.deps.outbox.notify();
        return { kind: step.kind, session: step.session };
      }
      // Another report moved the row since it was read: decide again (a duplicate then finds nothing left to do).
      if (attempt >= MAX_REPORT_ATTEMPTS) throw new Error(`call session of ${JSON.stringify(r.call)} kept changing under ${attempt} attempts to report ${r.state}`);
    }
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
    const step = decide(current, r);
    if (step.kind === 'applied') await updateSessionWithEvent(tx, step.session, outboxRow(lifecycleEvent(step.session, r.at)));
    else if (step.roomSeen) await setSessionRoom(tx, step.session);
    return { kind: step.kind, session: step.session };
  }
}

/** A report that keeps losing the compare-and-set this many times in a row is an error (the row changes without end). */
const MAX_REPORT_ATTEMPTS = 50;

/**
 * What a report does to the session as read: the call-state machine's next state, with the times, SIP status and end
 * reason that go with it (`applied`), or nothing (`ignored`), except a LiveKit room seen for the first time, which is
 * still worth keeping (it finds later reports: `roomSeen`). The session returned is the row as it is to be written.
 */
function decide(current: CallSession, r: CallReport): { kind: 'applied'; session: CallSession } | { kind: 'ignored'; session: CallSession; roomSeen: boolean } {
  const next = nextCallState(current.status as CallState, r.state);
  const roomName = r.roomName && !current.roomName ? r.roomName : current.roomName;
  if (!next) {
    if (roomName === current.roomName) return { kind: 'ignored', session: current, roomSeen: false };
    return { kind: 'ignored', session: { ...current, roomName, updatedAt: new Date() }, roomSeen: true };
  }
  const terminal = isTerminalState(next);
  return {
    kind: 'applied',
    session: {
      ...current,
      status: next,
      answeredAt: current.answeredAt ?? (next === 'in_progress' ? r.at : (r.answeredAt ?? null)),
      endedAt: terminal ? r.at : null,
      sipStatus: r.sipStatus ?? current.sipStatus,
      endReason: terminal ? (r.endReason ?? current.endReason ?? defaultEndReason(next)) : current.endReason,
      roomName,
      updatedAt: new Date(),
    },
  };
}

import { isTerminalState, nextCallState, type CallState } from '@callplane/contracts';
import type { CallSession, DbTx, PrismaClient } from '@callplane/db';
import { enqueueEvent } from '@callplane/events';
import { defaultEndReason } from './end-reason';
import { lockCallSession } from './call-lookup';
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
export class CallTransitions {
  constructor(private readonly deps: { prisma: PrismaClient; outbox: { notify(): void } }) {}

  async report(r: CallReport): Promise<ReportOutcome> {
    const outcome = await this.deps.prisma.$transaction((tx) => this.reportWithin(tx, r));
    if (outcome.kind === 'applied') this.deps.outbox.notify();
    return outcome;
  }

  /**
   * `report` inside the caller's transaction, for a caller that already holds the session's row lock (the reaper
   * claims overdue sessions FOR UPDATE SKIP LOCKED and ends them in the same transaction, so no replica ends a call
   * twice). The caller nudges the outbox (`outbox.notify()`) once it has committed.
   */
  async reportWithin(tx: DbTx, r: CallReport): Promise<ReportOutcome> {
    const locked = await lockCallSession(tx as unknown as PrismaClient, r.call);
    if (!locked) return { kind: 'unknown_call' };
    const current = await tx.callSession.findUniqueOrThrow({ where: { id: locked } });
    const next = nextCallState(current.status as CallState, r.state);
    const room = r.roomName && !current.roomName ? { roomName: r.roomName } : {};
    if (!next) {
      // Nothing moves, but a room seen for the first time is still worth keeping (it finds later reports).
      const session = Object.keys(room).length ? await tx.callSession.update({ where: { id: current.id }, data: room }) : current;
      return { kind: 'ignored', session };
    }
    const terminal = isTerminalState(next);
    const answeredAt = current.answeredAt ?? (next === 'in_progress' ? r.at : (r.answeredAt ?? null));
    const session = await tx.callSession.update({
      where: { id: current.id },
      data: {
        status: next,
        answeredAt,
        endedAt: terminal ? r.at : null,
        sipStatus: r.sipStatus ?? current.sipStatus,
        endReason: terminal ? (r.endReason ?? current.endReason ?? defaultEndReason(next)) : current.endReason,
        ...room,
      },
    });
    await enqueueEvent(tx, lifecycleEvent(session, r.at));
    return { kind: 'applied', session };
  }
}

import type { CallState } from '@callplane/contracts';

/**
 * Why a call ended when the report that ended it names no reason: the state it ended in (`busy` ends as `busy`,
 * `completed` as `completed`). Reports that know better say so (`after_hours`, `room_closed`, `hangup`,
 * `max_duration`…). Null for a state that does not end a call.
 */
export function defaultEndReason(state: CallState): string | null {
  return END_REASON[state] ?? null;
}

const END_REASON: Partial<Record<CallState, string>> = { completed: 'completed', failed: 'failed', no_answer: 'no_answer', busy: 'busy', canceled: 'canceled' };

/** Named end reasons the platform itself decides on, rather than a provider reporting them. */
export const END_REASONS = {
  /** The agent's opening hours were closed: the caller heard the after-hours message. */
  afterHours: 'after_hours',
  /** LiveKit finished the call's room. */
  roomClosed: 'room_closed',
  /** The SIP participant left the room. */
  hangup: 'hangup',
  /**
   * Nobody runs the call any more: the process running its media (or placing it) died with it, and the call was ended
   * by the reaper once past its maximum and a grace period, or by that process's replica when it started again.
   */
  lost: 'lost',
} as const;

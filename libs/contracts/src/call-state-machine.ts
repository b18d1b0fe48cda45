import { TERMINAL_CALL_STATES, type CallState } from './call';

/**
 * The one call-state machine every source goes through (provider status callbacks, LiveKit webhooks, the dialer).
 * A call only moves forward: initiating → ringing → in_progress → a terminal state, never back and never out of
 * a terminal state, so late, repeated or out-of-order events change nothing.
 */
const RANK: Record<CallState, number> = {
  initiating: 0,
  ringing: 1,
  in_progress: 2,
  completed: 3,
  failed: 3,
  no_answer: 3,
  busy: 3,
  canceled: 3,
};

/**
 * How far along the machine `s` is: 0 initiating, 1 ringing, 2 in_progress, 3 every terminal state (they tie:
 * which outcome wins is the caller's rule). Read models that order events by progress use this one ranking.
 */
export const callStateRank = (s: CallState): number => RANK[s];

export const isTerminalState = (s: CallState): boolean => TERMINAL_CALL_STATES.includes(s);

/**
 * The state to record when `reported` arrives for a call in `current`, or null when it changes nothing
 * (a duplicate, a step backwards, anything after the end).
 *
 * A call that was answered cannot end as unanswered: `no_answer`, `busy` or `canceled` after `in_progress`
 * (a provider's late or mislabelled report) is recorded as `completed`, so the call still ends.
 */
export function nextCallState(current: CallState, reported: CallState): CallState | null {
  if (isTerminalState(current)) return null;
  if (RANK[reported] <= RANK[current]) return null;
  if (current === 'in_progress' && (reported === 'no_answer' || reported === 'busy' || reported === 'canceled')) return 'completed';
  return reported;
}

/**
 * A SIP final response as a call outcome (RFC 3261 §21): 486/600 Busy and 603 Decline → busy; 480 Temporarily
 * Unavailable, 408 Request Timeout and 487 Request Terminated (our ringing timeout cancelled the INVITE) → no_answer;
 * any other failure → failed.
 */
export function stateForSipStatus(code: number): CallState {
  if (code >= 200 && code < 300) return 'in_progress';
  if (code === 486 || code === 600 || code === 603) return 'busy';
  if (code === 480 || code === 408 || code === 487) return 'no_answer';
  return 'failed';
}

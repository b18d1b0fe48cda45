import type { CallState } from './call';

/**
 * The sandbox carrier's reserved numbers, like Twilio's test numbers: with no LiveKit configured, outbound calls
 * to them are "placed" by the voice agent's sandbox media plane on this machine, and each number has a fixed
 * outcome. The range is +1 (555) 010-0000…0099: area code 555 is not assigned in the North American plan, so a
 * sandbox number can never ring a real phone (and libphonenumber calls it invalid).
 *
 *   +15550100001  answers; a caller bot talks with the agent, then hangs up → completed
 *   +15550100002  busy (SIP 486) → busy
 *   +15550100003  rings and never answers; 480 after the ringing timeout → no_answer
 *   +15550100004  fails (SIP 503) → failed
 *   any other +155501000xx  not in service (SIP 404) → failed
 */
export const SANDBOX_NUMBERS = {
  answers: '+15550100001',
  busy: '+15550100002',
  noAnswer: '+15550100003',
  fails: '+15550100004',
} as const;

const SANDBOX_RANGE = /^\+155501000\d{2}$/;

export type SandboxBehaviour = { kind: 'answers' } | { kind: 'rejects'; state: Extract<CallState, 'busy' | 'failed'>; sipStatus: number } | { kind: 'never_answers'; sipStatus: number };

export function isSandboxNumber(e164: string): boolean {
  return SANDBOX_RANGE.test(e164);
}

/**
 * The sandbox's load range, +1 (555) 011-XXYY (API.md "Sandbox carrier"): numbers that answer, stay silent and hang
 * up after YY seconds, for campaigns of thousands of contacts on a laptop. Area code 555 again, so never a real phone.
 */
const SANDBOX_LOAD_RANGE = /^\+1555011\d{4}$/;

export function isSandboxLoadNumber(e164: string): boolean {
  return SANDBOX_LOAD_RANGE.test(e164);
}

/** What the sandbox carrier does with a call to `e164`, or null when the number is not in the sandbox range. */
export function sandboxBehaviour(e164: string): SandboxBehaviour | null {
  if (!isSandboxNumber(e164)) return null;
  switch (e164) {
    case SANDBOX_NUMBERS.answers:
      return { kind: 'answers' };
    case SANDBOX_NUMBERS.busy:
      return { kind: 'rejects', state: 'busy', sipStatus: 486 };
    case SANDBOX_NUMBERS.noAnswer:
      return { kind: 'never_answers', sipStatus: 480 };
    case SANDBOX_NUMBERS.fails:
      return { kind: 'rejects', state: 'failed', sipStatus: 503 };
    default:
      return { kind: 'rejects', state: 'failed', sipStatus: 404 };
  }
}

/**
 * `type` of the command on `dialer.commands` with which the dialer asks the sandbox media plane to place an
 * outbound call; `data` is the call's `OutboundCallMetadata` (the same JSON LiveKit's agent dispatch carries).
 */
export const SANDBOX_CALL_REQUESTED_EVENT_TYPE = 'sandbox.call_requested';

import type { CallState } from './call';

/**
 * The sandbox carrier's reserved numbers, like Twilio's test numbers: with no LiveKit configured, outbound calls
 * to them are "placed" by the voice agent's sandbox media plane on this machine, and each number has a fixed
 * outcome. Area code 555 is not assigned in the North American plan, so a sandbox number can never ring a real
 * phone (and libphonenumber calls it invalid). Two blocks:
 *
 * +1 (555) 010-0000…0099, one number per behaviour:
 *   +15550100001  answers; a caller bot talks with the agent, then hangs up → completed
 *   +15550100002  busy (SIP 486) → busy
 *   +15550100003  rings and never answers; 480 after the ringing timeout → no_answer
 *   +15550100004  fails (SIP 503) → failed
 *   any other +155501000xx  not in service (SIP 404) → failed
 *
 * +1 (555) 011-XXYY, the load range: rings one second, answers, stays silent and hangs up YY seconds after the
 * answer (00: one second) → completed. No voice processing at all, so a laptop can run thousands of them at once
 * (campaigns, load runs). XX is free: a hundred distinct numbers share each duration.
 *
 * A third block, +1 (555) 012-XXXX, holds the caller ids sandbox calls are placed from (not destinations): see
 * `sandboxCallerIds`.
 */
export const SANDBOX_NUMBERS = {
  answers: '+15550100001',
  busy: '+15550100002',
  noAnswer: '+15550100003',
  fails: '+15550100004',
} as const;

const SANDBOX_RANGE = /^\+155501000\d{2}$/;
const LOAD_RANGE = /^\+1555011\d{2}(\d{2})$/;

/** How long a load-range number rings before it answers. */
export const SANDBOX_LOAD_RING_MS = 1_000;

export type SandboxBehaviour =
  | { kind: 'answers' }
  | { kind: 'rejects'; state: Extract<CallState, 'busy' | 'failed'>; sipStatus: number }
  | { kind: 'never_answers'; sipStatus: number }
  /** Answers after `ringMs`, silent, hangs up `holdSeconds` after the answer. */
  | { kind: 'load'; ringMs: number; holdSeconds: number };

/** Whether the sandbox carrier places calls to `e164` (either destination block). */
export function isSandboxNumber(e164: string): boolean {
  return SANDBOX_RANGE.test(e164) || LOAD_RANGE.test(e164);
}

/**
 * The same rule as `isSandboxNumber`, as one regular expression both JavaScript and PostgreSQL (`~`) read, for
 * checks over many stored numbers at once (a campaign's contacts).
 */
export const SANDBOX_NUMBER_PATTERN = `${SANDBOX_RANGE.source}|${LOAD_RANGE.source}`;

const CALLER_ID_BLOCK = /^\+1555012\d{4}$/;
const CALLER_ID_PREFIX = '+1555012';

/**
 * The studio trial pool's sandbox number: with no LiveKit configured, studio test calls to the sandbox numbers are
 * placed from it. The first number of the caller-id block, kept out of the tenants' share.
 */
export const SANDBOX_TRIAL_NUMBER = `${CALLER_ID_PREFIX}0000`;

/**
 * The caller ids tenants are given for sandbox calls, in the order they are handed out: +1 (555) 012-0001 … 9999.
 * A phone number belongs to one tenant, so each tenant gets its own (the lowest one still free) rather than a
 * shared one. Like the destinations they are fictional, so none can be anyone's real caller id.
 */
export function sandboxCallerIds(): string[] {
  return Array.from({ length: 9_999 }, (_, i) => `${CALLER_ID_PREFIX}${String(i + 1).padStart(4, '0')}`);
}

/** Whether `e164` is in the caller-id block (a tenant's sandbox number, or the trial pool's). */
export function isSandboxCallerId(e164: string): boolean {
  return CALLER_ID_BLOCK.test(e164);
}

/**
 * The load-range number that hangs up `holdSeconds` (1–99) after the answer; `variant` (0–99) is the free `XX`
 * part, for lists that need distinct numbers (a campaign takes each number once).
 */
export function sandboxLoadNumber(holdSeconds: number, variant = 0): string {
  if (!Number.isInteger(holdSeconds) || holdSeconds < 1 || holdSeconds > 99) throw new RangeError('holdSeconds must be a whole number of seconds from 1 to 99');
  if (!Number.isInteger(variant) || variant < 0 || variant > 99) throw new RangeError('variant must be a whole number from 0 to 99');
  const two = (n: number) => String(n).padStart(2, '0');
  return `+1555011${two(variant)}${two(holdSeconds)}`;
}

/** What the sandbox carrier does with a call to `e164`, or null when the number is not in a sandbox block. */
export function sandboxBehaviour(e164: string): SandboxBehaviour | null {
  const load = LOAD_RANGE.exec(e164);
  if (load) return { kind: 'load', ringMs: SANDBOX_LOAD_RING_MS, holdSeconds: Number(load[1]) || 1 };
  if (!SANDBOX_RANGE.test(e164)) return null;
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

/**
 * `type` of the command with which the dialer hangs up a sandbox call it placed (a studio test call's End Call, its
 * watchdog), as deleting the LiveKit room ends a real one; `data` is `{session_id}`. Keyed by the session id like the
 * call's request, so the worker running the call receives it.
 */
export const SANDBOX_HANGUP_REQUESTED_EVENT_TYPE = 'sandbox.hangup_requested';

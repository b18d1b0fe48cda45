import { randomBytes, randomInt } from 'node:crypto';
import type { SipAuth } from '@callplane/livekit';

/** SIP digest credentials of a number's own: the carrier's trunk (or the gateway's TwiML) presents them to LiveKit. */
export function newSipAuth(): SipAuth {
  return { username: `cp${randomBytes(6).toString('hex')}`, password: newSipPassword() };
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';

/**
 * 32 letters and digits with each class present: carriers' SIP credential rules (Twilio: at least 12 characters with
 * upper case, lower case and a digit) accept it, and no SIP URI or XML attribute needs escaping for it.
 */
export function newSipPassword(length = 32): string {
  const all = UPPER + LOWER + DIGITS;
  const pick = (alphabet: string) => alphabet[randomInt(alphabet.length)]!;
  const chars = [pick(UPPER), pick(LOWER), pick(DIGITS), ...Array.from({ length: length - 3 }, () => pick(all))];
  // Fisher-Yates, so the guaranteed classes are not always in front.
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

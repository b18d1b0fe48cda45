import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

export const E164_PATTERN = /^\+[1-9]\d{1,14}$/;

/**
 * Normalises a number as providers send it (`14155551234`, `09052161119`, `+1 415-555-1234`) to E.164,
 * or returns null when it is not a valid phone number. `defaultCountry` reads national formats
 * (Exotel sends Indian numbers 0-prefixed).
 */
export function toE164(input: string, defaultCountry?: CountryCode): string | null {
  return parseE164(input, defaultCountry)?.number ?? null;
}

/**
 * The forms a number may be written in: digits (ASCII), an optional leading `+`, and the separators people type
 * (spaces, `-`, `.`, parentheses). Anything else is refused rather than quietly changed: an extension (`;ext=1`,
 * `x12`), a `tel:` URI, letters, full-width or other non-ASCII digits. One policy for every number the platform reads.
 */
const NUMBER_FORM = /^\+?[0-9 ().-]+$/;

/** `toE164` with the number's country too (`IN` for +91…), from the same parse: bulk imports need both. */
export function parseE164(input: string, defaultCountry?: CountryCode): { number: string; country: CountryCode | undefined } | null {
  const trimmed = input.trim();
  if (!trimmed || !NUMBER_FORM.test(trimmed)) return null;
  const candidates = trimmed.startsWith('+') || defaultCountry ? [trimmed] : [trimmed, `+${trimmed}`];
  for (const c of candidates) {
    const parsed = parsePhoneNumberFromString(c, defaultCountry);
    if (parsed?.isValid()) return { number: parsed.number, country: parsed.country };
  }
  return null;
}

/** The country of an E.164 number (`+919876543210` → `IN`), to read other numbers of that call in national form. */
export function countryOf(e164: string): CountryCode | undefined {
  return parsePhoneNumberFromString(e164)?.country;
}

import { isIanaTimeZone, parseDialNumber, type ContactInput, type ContactsUploadResult } from '@callplane/contracts';
import { countryTimeZone } from './recipient-timezone';

/** One data row of an upload as it arrived, before its number is judged. `row`: 1-based among the data rows. */
export interface ContactRow {
  row: number;
  toNumber: string;
  context: Record<string, string>;
  /** The row's own IANA zone (already checked), when it gave one. */
  timezone?: string;
}

/** A row whose number is callable and new to this upload, ready to be checked against the list and written. */
export interface ContactCandidate {
  row: number;
  /** As the row gave it, for a rejection the customer can find in their file. */
  sent: string;
  number: string;
  context: Record<string, string>;
  /** The recipient's zone when the upload fixes it: the row's own, else the single zone of the number's country. */
  timezone: string | null;
}

export type ContactRejection = ContactsUploadResult['rejected'][number];

/** JSON contacts (already validated by the body schema) as rows: `row` is the 1-based position in `contacts`. */
export function rowsFromJson(contacts: ContactInput[]): ContactRow[] {
  return contacts.map((c, i) => ({ row: i + 1, toNumber: c.to_number, context: c.context ?? {}, ...(c.timezone ? { timezone: c.timezone } : {}) }));
}

/**
 * The decisions that need no database, row by row in upload order: a number that is not callable is
 * `invalid_number`; one already seen earlier in this upload is `duplicate` (the first row keeps it). Numbers are
 * compared in E.164, so `+1 (415) 555-…` and `1415555…` are one contact.
 */
export class ContactScreen {
  readonly rejected: ContactRejection[] = [];
  private readonly seen = new Set<string>();

  /** The row as a candidate to write, or null when it was rejected here. */
  screen(r: ContactRow): ContactCandidate | null {
    const sent = r.toNumber.trim();
    const parsed = parseDialNumber(sent);
    if (!parsed) {
      this.rejected.push({ row: r.row, to_number: sent, error: 'invalid_number' });
      return null;
    }
    if (this.seen.has(parsed.number)) {
      this.rejected.push({ row: r.row, to_number: sent, error: 'duplicate' });
      return null;
    }
    this.seen.add(parsed.number);
    return { row: r.row, sent, number: parsed.number, context: r.context, timezone: r.timezone ?? countryTimeZone(parsed.country) };
  }
}

/** Every row through one `ContactScreen`. */
export function screenContacts(rows: Iterable<ContactRow>): { candidates: ContactCandidate[]; rejected: ContactRejection[] } {
  const screen = new ContactScreen();
  const candidates: ContactCandidate[] = [];
  for (const r of rows) {
    const c = screen.screen(r);
    if (c) candidates.push(c);
  }
  return { candidates, rejected: screen.rejected };
}

const zoneChecks = new Map<string, boolean>();

/** `isIanaTimeZone`, remembered: a list of a million rows names a handful of zones, and each check builds a formatter. */
export function isKnownTimeZone(tz: string): boolean {
  let ok = zoneChecks.get(tz);
  if (ok === undefined) {
    ok = isIanaTimeZone(tz);
    if (zoneChecks.size < 10_000) zoneChecks.set(tz, ok);
  }
  return ok;
}

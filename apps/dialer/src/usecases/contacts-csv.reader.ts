import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CONTACT_UPLOAD_LIMITS, DIAL_CONTEXT_LIMITS, type FieldIssue } from '@callplane/contracts';
import { AppError, hasNulCharacter, NUL_CHARACTER_MESSAGE } from '@callplane/service-kit';
import { CsvError, parse } from 'csv-parse';
import { isKnownTimeZone, type ContactRow } from './contact-rows';

/** Context keys are `{{variable}}` names, as the dial API's `context` requires. */
const VARIABLE_NAME = new RegExp(`^[A-Za-z_][A-Za-z0-9_]{0,${DIAL_CONTEXT_LIMITS.maxKeyLength - 1}}$`);
/** A bad upload names this many problems at most: enough to fix a file, bounded however broken it is. */
const MAX_ISSUES = 100;

/** Where each column of the header goes: the number, the recipient's zone, or a context variable. */
interface Columns {
  toNumber: number;
  timezone: number | null;
  context: Array<{ index: number; key: string }>;
}

/**
 * Reads a contact list sent as CSV, as a stream (csv-parse: quoted fields with commas and newlines, CRLF or LF, a
 * UTF-8 BOM). The header row names the columns: `to_number` is required, `timezone` (an IANA zone) is optional, and
 * every other column becomes a context variable of its name. Blank lines are skipped and do not count as rows.
 *
 * A file that cannot be read as a contact list (no `to_number` column, a column name that is not a variable name,
 * a row with another number of fields, a zone that is not an IANA name, a value over the context limit) is
 * `400 validation_failed` naming each problem (`row 57 timezone`): nothing is written. A number that cannot be called
 * is not bad input but a rejected row, judged after reading (`screenContacts`).
 */
export async function readCsvContacts(body: Readable, limits: { maxRows: number } = CONTACT_UPLOAD_LIMITS): Promise<ContactRow[]> {
  const rows: ContactRow[] = [];
  const issues: FieldIssue[] = [];
  let columns: Columns | undefined;
  const fail = () => new AppError('validation_failed', `The CSV cannot be imported: ${issues.map((i) => i.field).join(', ')}. See details.`, { details: issues });
  const note = (field: string, message: string) => void (issues.length < MAX_ISSUES && issues.push({ field, message }));
  // Set when reading stops early: a header that cannot be read, or enough problems named. The parser is torn down
  // when the loop leaves, and whatever that raises is not the answer.
  let stopped = false;

  const parser = parse({ bom: true, skip_empty_lines: true, trim: true, max_record_size: 1024 * 1024 });
  try {
    await pipeline(body, parser, async (records: AsyncIterable<string[]>) => {
      for await (const record of records) {
        if (!columns) columns = readHeader(record, note);
        else if (rows.length === limits.maxRows) note('(body)', `at most ${limits.maxRows} rows per upload`);
        else rows.push(readRow(record, rows.length + 1, columns, note));
        if (issues.length && (rows.length === 0 || issues.length >= MAX_ISSUES || issues[issues.length - 1]!.field === '(body)')) {
          stopped = true;
          return;
        }
      }
    });
  } catch (err) {
    if (stopped) throw fail();
    if (err instanceof CsvError) {
      // csv-parse stops at the first malformed record. It parses ahead of this loop, so its own count of the records
      // it has read (the header included, blank lines not) places the bad one: the data row after them.
      const read = typeof err.records === 'number' ? err.records : rows.length + 1;
      note(`row ${Math.max(1, read)}`, err.message);
      throw fail();
    }
    throw err;
  }
  if (!columns) note('to_number', 'the CSV is empty: send a header row naming a to_number column, then one row per contact');
  else if (rows.length === 0 && !issues.length) note('(body)', 'the CSV has a header but no contacts');
  if (issues.length) throw fail();
  return rows;
}

function readHeader(header: string[], note: (field: string, message: string) => void): Columns {
  const names = header.map((h) => h.trim());
  const toNumber = names.findIndex((n) => n.toLowerCase() === 'to_number');
  if (toNumber === -1) note('to_number', `the CSV needs a to_number column (its header names: ${names.join(', ').slice(0, 200)})`);
  const timezone = names.findIndex((n) => n.toLowerCase() === 'timezone');
  const context: Columns['context'] = [];
  const seen = new Set<string>();
  names.forEach((name, index) => {
    if (index === toNumber || index === timezone) return;
    if (!VARIABLE_NAME.test(name)) note(`column ${index + 1}`, `"${name.slice(0, 80)}" is not a variable name: use letters, digits and _ (such as customer_name), as {{customer_name}} in the prompt`);
    else if (seen.has(name) || ['to_number', 'timezone'].includes(name.toLowerCase())) note(`column ${index + 1}`, `"${name}" appears twice in the header`);
    seen.add(name);
    context.push({ index, key: name });
  });
  if (context.length > DIAL_CONTEXT_LIMITS.maxKeys) note('(header)', `at most ${DIAL_CONTEXT_LIMITS.maxKeys} context columns besides to_number and timezone`);
  return { toNumber, timezone: timezone === -1 ? null : timezone, context };
}

function readRow(record: string[], row: number, columns: Columns, note: (field: string, message: string) => void): ContactRow {
  const context: Record<string, string> = {};
  for (const { index, key } of columns.context) {
    const value = record[index]!;
    if (value.length > DIAL_CONTEXT_LIMITS.maxValueLength) note(`row ${row} ${key}`, `at most ${DIAL_CONTEXT_LIMITS.maxValueLength} characters`);
    // The router's rule for JSON bodies (libs/service-kit refuseNulCharacters), for the cells this reader reads itself.
    if (hasNulCharacter(value)) note(`row ${row} ${key}`, NUL_CHARACTER_MESSAGE);
    context[key] = value;
  }
  const contact: ContactRow = { row, toNumber: record[columns.toNumber]!, context };
  const tz = columns.timezone === null ? '' : record[columns.timezone]!;
  if (tz) {
    if (isKnownTimeZone(tz)) contact.timezone = tz;
    else note(`row ${row} timezone`, `"${tz.slice(0, 64)}" is not an IANA time zone such as America/New_York`);
  }
  return contact;
}

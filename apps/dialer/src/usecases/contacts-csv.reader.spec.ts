import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { AppError } from '@callplane/service-kit';
import type { ContactRow } from './contact-rows';
import { readCsvContacts } from './contacts-csv.reader';

const FIXTURES = path.join(__dirname, 'fixtures/contacts-csv');
const fixtures = (kind: 'good' | 'bad') =>
  readdirSync(path.join(FIXTURES, kind))
    .filter((f) => f.endsWith('.csv'))
    .map((f) => [f.replace(/\.csv$/, ''), readFileSync(path.join(FIXTURES, kind, f)), JSON.parse(readFileSync(path.join(FIXTURES, kind, f.replace(/\.csv$/, '.json')), 'utf8')) as unknown] as const);

/** The bytes as one chunk, or one byte at a time (a multi-byte character and the BOM split across chunks). */
const whole = (bytes: Buffer) => Readable.from([bytes]);
const byteByByte = (bytes: Buffer) => Readable.from(Array.from(bytes, (b) => Buffer.from([b])));

async function refusal(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof AppError)) throw new Error(`expected an AppError, got ${String(err)}`);
  return err;
}
const fields = (err: AppError) => (err.details as Array<{ field: string }>).map((d) => d.field);

/** The CSV contact reader on files from fixtures/contacts-csv: good/ read into rows, bad/ refused naming each problem. */
describe('readCsvContacts', () => {
  describe.each(fixtures('good'))('good/%s.csv', (_name, bytes, expected) => {
    it('reads the rows expected, whole or a byte at a time', async () => {
      expect(await readCsvContacts(whole(bytes))).toEqual(expected as ContactRow[]);
      expect(await readCsvContacts(byteByByte(bytes))).toEqual(expected as ContactRow[]);
    });
  });

  describe.each(fixtures('bad'))('bad/%s.csv', (_name, bytes, expected) => {
    it('is 400 validation_failed naming each problem', async () => {
      const err = await refusal(readCsvContacts(whole(bytes)));
      expect({ status: err.status, code: err.code }).toEqual({ status: 400, code: 'validation_failed' });
      expect(fields(err)).toEqual((expected as { fields: string[] }).fields);
      expect(err.message).toBe(`The CSV cannot be imported: ${fields(err).join(', ')}. See details.`);
    });
  });

  it('refuses more rows than the upload limit', async () => {
    const csv = Buffer.from('to_number\n+14155550123\n+14155550124\n+14155550125\n');
    expect(await readCsvContacts(whole(csv), { maxRows: 3 })).toHaveLength(3);
    const err = await refusal(readCsvContacts(whole(Buffer.concat([csv, Buffer.from('+14155550126\n')])), { maxRows: 3 }));
    expect(err.details).toEqual([{ field: '(body)', message: 'at most 3 rows per upload' }]);
  });

  it('names at most 100 problems, however broken the file', async () => {
    const csv = `to_number,timezone\n${Array.from({ length: 500 }, (_, i) => `+1415555${String(i).padStart(4, '0')},Nowhere/${i}`).join('\n')}\n`;
    const err = await refusal(readCsvContacts(whole(Buffer.from(csv))));
    expect(fields(err)).toHaveLength(100);
    expect(fields(err)[99]).toBe('row 100 timezone');
  });

  it("passes the body's own error on unchanged (a 413 from the byte limit)", async () => {
    const tooLarge = new AppError('payload_too_large', 'too large');
    const body = new Readable({ read() {} });
    body.push('to_number\n+14155550123\n');
    setImmediate(() => body.destroy(tooLarge));
    expect(await refusal(readCsvContacts(body))).toBe(tooLarge);
  });
});

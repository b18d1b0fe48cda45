import { SANDBOX_NUMBERS } from '@callplane/contracts';
import { rowsFromJson, screenContacts, type ContactRow } from './contact-rows';
import { countryTimeZone } from './recipient-timezone';

const row = (n: number, toNumber: string, extra: Partial<ContactRow> = {}): ContactRow => ({ row: n, toNumber, context: {}, ...extra });

/** What an upload decides before the database: callable numbers in E.164, duplicates within it, the recipient's zone. */
describe('screenContacts', () => {
  it('keeps the first row of each number (compared in E.164) and rejects the rest as duplicate, the uncallable as invalid_number', () => {
    const { candidates, rejected } = screenContacts([
      row(1, ' +1 (415) 555-0123 ', { context: { customer_name: 'Asha' } }),
      row(2, '14155550123'),
      row(3, 'call me'),
      row(4, ''),
      row(5, '+1555'),
      row(6, '+919876543210'),
    ]);
    expect(candidates).toEqual([
      { row: 1, sent: '+1 (415) 555-0123', number: '+14155550123', context: { customer_name: 'Asha' }, timezone: null },
      { row: 6, sent: '+919876543210', number: '+919876543210', context: {}, timezone: 'Asia/Kolkata' },
    ]);
    expect(rejected).toEqual([
      { row: 2, to_number: '14155550123', error: 'duplicate' },
      { row: 3, to_number: 'call me', error: 'invalid_number' },
      { row: 4, to_number: '', error: 'invalid_number' },
      { row: 5, to_number: '+1555', error: 'invalid_number' },
    ]);
  });

  it("takes the sandbox carrier's numbers and its load range although libphonenumber calls them invalid, with no zone of their own; other 555 numbers are invalid", () => {
    const { candidates, rejected } = screenContacts([row(1, SANDBOX_NUMBERS.answers), row(2, SANDBOX_NUMBERS.busy), row(3, '+15550110130'), row(4, '+15550119999'), row(5, '+15550120130'), row(6, '+155501101300')]);
    expect(rejected).toEqual([
      { row: 5, to_number: '+15550120130', error: 'invalid_number' },
      { row: 6, to_number: '+155501101300', error: 'invalid_number' },
    ]);
    expect(candidates.map((c) => [c.number, c.timezone])).toEqual([
      [SANDBOX_NUMBERS.answers, null],
      [SANDBOX_NUMBERS.busy, null],
      ['+15550110130', null],
      ['+15550119999', null],
    ]);
  });

  it("the row's own zone wins over the one its number's country fixes", () => {
    const { candidates } = screenContacts([row(1, '+919876543210', { timezone: 'Asia/Dubai' }), row(2, '+14155550123', { timezone: 'America/Chicago' })]);
    expect(candidates.map((c) => c.timezone)).toEqual(['Asia/Dubai', 'America/Chicago']);
  });

  it('JSON contacts become rows numbered from 1 in their order', () => {
    expect(rowsFromJson([{ to_number: '+14155550123', context: { a: 'b' } }, { to_number: 'x', timezone: 'UTC' }])).toEqual([
      { row: 1, toNumber: '+14155550123', context: { a: 'b' } },
      { row: 2, toNumber: 'x', context: {}, timezone: 'UTC' },
    ]);
  });
});

describe('countryTimeZone', () => {
  it('is the zone of a country that has one, and none for a country with several or an unknown one', () => {
    expect(countryTimeZone('IN')).toBe('Asia/Kolkata');
    expect(countryTimeZone('JP')).toBe('Asia/Tokyo');
    expect(countryTimeZone('US')).toBeNull();
    expect(countryTimeZone('BR')).toBeNull();
    expect(countryTimeZone(undefined)).toBeNull();
    expect(countryTimeZone('ZZ')).toBeNull();
    expect(countryTimeZone('DE')).toBe('Europe/Berlin'); // two zones, one offset: Berlin and Busingen
  });
});

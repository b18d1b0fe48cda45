import type { AfterHours } from '@callplane/contracts';
import { isOpen, localTime } from './after-hours';

type Day = AfterHours['open'][number]['days'][number];
const ALL_DAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const WEEKDAYS: Day[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

const schedule = (timezone: string, open: AfterHours['open']): AfterHours => ({ timezone, open, message: 'We are closed.' });
const at = (iso: string) => new Date(iso);

describe('isOpen', () => {
  test('without a schedule the agent always answers', () => {
    for (const t of ['2026-03-08T07:30:00Z', '2026-12-25T03:00:00Z', '2026-06-13T23:59:59Z']) {
      expect(isOpen(null, at(t))).toBe(true);
      expect(isOpen(undefined, at(t))).toBe(true);
    }
  });

  describe('Asia/Kolkata (UTC+05:30), Monday to Friday 09:00–18:00', () => {
    const s = schedule('Asia/Kolkata', [{ days: WEEKDAYS, start: '09:00', end: '18:00' }]);
    test.each([
      // 2026-03-09 is a Monday.
      ['2026-03-09T03:29:00Z', 'Mon 08:59 IST', false],
      ['2026-03-09T03:30:00Z', 'Mon 09:00 IST (start is inclusive)', true],
      ['2026-03-09T12:29:00Z', 'Mon 17:59 IST', true],
      ['2026-03-09T12:30:00Z', 'Mon 18:00 IST (end is exclusive)', false],
      ['2026-03-13T20:00:00Z', 'Friday evening in UTC, Sat 01:30 IST', false],
      ['2026-03-14T05:00:00Z', 'Sat 10:30 IST', false],
      ['2026-03-15T20:00:00Z', 'Sunday in UTC, Mon 01:30 IST', false],
      ['2026-03-16T04:00:00Z', 'Mon 09:30 IST', true],
    ])('%s (%s) → %s', (iso, _local, open) => {
      expect(isOpen(s, at(iso))).toBe(open);
    });
  });

  test('one instant is judged on each agent’s own wall clock', () => {
    const hours = (tz: string) => schedule(tz, [{ days: WEEKDAYS, start: '09:00', end: '18:00' }]);
    // Monday 2026-03-09 20:00Z: 16:00 in New York (EDT), Tuesday 01:30 in Kolkata, 20:00 in UTC.
    const instant = at('2026-03-09T20:00:00Z');
    expect(isOpen(hours('America/New_York'), instant)).toBe(true);
    expect(isOpen(hours('Asia/Kolkata'), instant)).toBe(false);
    expect(isOpen(hours('UTC'), instant)).toBe(false);
  });

  describe('a window crossing midnight: Friday 22:00–02:00 UTC', () => {
    const s = schedule('UTC', [{ days: ['fri'], start: '22:00', end: '02:00' }]);
    test.each([
      // 2026-03-13 is a Friday.
      ['2026-03-13T21:59:00Z', 'Fri 21:59', false],
      ['2026-03-13T22:00:00Z', 'Fri 22:00', true],
      ['2026-03-13T23:59:00Z', 'Fri 23:59', true],
      ['2026-03-14T00:00:00Z', 'Sat 00:00', true],
      ['2026-03-14T01:59:00Z', 'Sat 01:59', true],
      ['2026-03-14T02:00:00Z', 'Sat 02:00', false],
      ['2026-03-14T23:00:00Z', 'Sat 23:00 (Saturday is not a start day)', false],
      ['2026-03-13T01:00:00Z', 'Fri 01:00 (the night from Thursday is not covered)', false],
      ['2026-03-12T23:00:00Z', 'Thu 23:00', false],
    ])('%s (%s) → %s', (iso, _local, open) => {
      expect(isOpen(s, at(iso))).toBe(open);
    });

    test('a Sunday-night window runs into Monday morning (the week wraps)', () => {
      const sunday = schedule('Asia/Kolkata', [{ days: ['sun'], start: '23:00', end: '01:00' }]);
      // Mon 2026-03-16 00:30 IST = Sun 19:00Z.
      expect(isOpen(sunday, at('2026-03-15T19:00:00Z'))).toBe(true);
      // Mon 01:30 IST.
      expect(isOpen(sunday, at('2026-03-15T20:00:00Z'))).toBe(false);
    });

    test('a window ending at 00:00 covers the last hour of the day and not midnight itself', () => {
      const late = schedule('UTC', [{ days: ['mon'], start: '23:00', end: '00:00' }]);
      expect(isOpen(late, at('2026-03-09T23:30:00Z'))).toBe(true);
      expect(isOpen(late, at('2026-03-10T00:00:00Z'))).toBe(false);
    });
  });

  test('any of several windows may open the line', () => {
    const s = schedule('UTC', [
      { days: WEEKDAYS, start: '09:00', end: '12:00' },
      { days: WEEKDAYS, start: '13:00', end: '17:00' },
      { days: ['sat'], start: '10:00', end: '14:00' },
    ]);
    expect(isOpen(s, at('2026-03-09T11:59:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-09T12:30:00Z'))).toBe(false);
    expect(isOpen(s, at('2026-03-09T13:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-14T11:00:00Z'))).toBe(true);
    expect(isOpen(s, at('2026-03-15T11:00:00Z'))).toBe(false);
  });

  describe('daylight saving time in America/New_York, every day 09:00–17:00', () => {
    const s = schedule('America/New_York', [{ days: ALL_DAYS, start: '09:00', end: '17:00' }]);
    test.each([
      // Spring forward: Sunday 2026-03-08 at 02:00 EST the clocks jump to 03:00 EDT (UTC-5 → UTC-4).
      ['2026-03-07T13:59:00Z', 'Sat 08:59 EST', false],
      ['2026-03-07T14:00:00Z', 'Sat 09:00 EST', true],
      ['2026-03-08T12:59:00Z', 'Sun 08:59 EDT', false],
      ['2026-03-08T13:00:00Z', 'Sun 09:00 EDT (a fixed -05:00 offset would say 08:00)', true],
      ['2026-03-08T21:00:00Z', 'Sun 17:00 EDT (a fixed -05:00 offset would say 16:00)', false],
      ['2026-03-09T13:00:00Z', 'Mon 09:00 EDT', true],
      // Fall back: Sunday 2026-11-01 at 02:00 EDT the clocks return to 01:00 EST (UTC-4 → UTC-5).
      ['2026-10-31T12:59:00Z', 'Sat 08:59 EDT', false],
      ['2026-10-31T13:00:00Z', 'Sat 09:00 EDT', true],
      ['2026-11-01T13:00:00Z', 'Sun 08:00 EST (a fixed -04:00 offset would say 09:00)', false],
      ['2026-11-01T14:00:00Z', 'Sun 09:00 EST', true],
      ['2026-11-01T21:59:00Z', 'Sun 16:59 EST', true],
      ['2026-11-01T22:00:00Z', 'Sun 17:00 EST', false],
      ['2026-11-02T14:00:00Z', 'Mon 09:00 EST', true],
    ])('%s (%s) → %s', (iso, _local, open) => {
      expect(isOpen(s, at(iso))).toBe(open);
    });

    test('the repeated hour on the fall-back night is inside a 01:00–02:00 window both times', () => {
      const night = schedule('America/New_York', [{ days: ['sun'], start: '01:00', end: '02:00' }]);
      expect(isOpen(night, at('2026-11-01T05:30:00Z'))).toBe(true); // 01:30 EDT
      expect(isOpen(night, at('2026-11-01T06:30:00Z'))).toBe(true); // 01:30 EST
      expect(isOpen(night, at('2026-11-01T07:00:00Z'))).toBe(false); // 02:00 EST
    });
  });
});

describe('localTime', () => {
  test.each([
    ['2026-03-09T00:00:00Z', 'UTC', { day: 'mon', minutes: 0 }],
    ['2026-03-09T18:30:00Z', 'Asia/Kolkata', { day: 'tue', minutes: 0 }],
    ['2026-03-09T04:59:00Z', 'America/New_York', { day: 'mon', minutes: 59 }],
    ['2026-03-15T23:59:00Z', 'UTC', { day: 'sun', minutes: 23 * 60 + 59 }],
  ])('%s in %s is %o', (iso, tz, expected) => {
    expect(localTime(at(iso), tz)).toEqual(expected);
  });
});

import type { AfterHours } from '@callplane/contracts';

const WEEKDAY: Record<string, string> = { Mon: 'mon', Tue: 'tue', Wed: 'wed', Thu: 'thu', Fri: 'fri', Sat: 'sat', Sun: 'sun' };
const ORDER = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(tz, f);
  }
  return f;
}

/** Weekday and minutes since midnight of `at` on the wall clock of `tz` (DST handled by Intl). */
export function localTime(at: Date, tz: string): { day: string; minutes: number } {
  const parts = formatter(tz).formatToParts(at);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return { day: WEEKDAY[get('weekday')] ?? 'mon', minutes: Number(get('hour')) * 60 + Number(get('minute')) };
}

const toMinutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * Whether the agent answers at `at`. A window whose end is before its start runs past midnight:
 * `fri 22:00–02:00` covers Friday night and the first two hours of Saturday. No schedule: always open.
 */
export function isOpen(schedule: AfterHours | null | undefined, at: Date): boolean {
  if (!schedule) return true;
  const { day, minutes } = localTime(at, schedule.timezone);
  const yesterday = ORDER[(ORDER.indexOf(day) + 6) % 7]!;
  return schedule.open.some((w) => {
    const start = toMinutes(w.start);
    const end = toMinutes(w.end);
    if (start < end) return w.days.includes(day as never) && minutes >= start && minutes < end;
    return (w.days.includes(day as never) && minutes >= start) || (w.days.includes(yesterday as never) && minutes < end);
  });
}

import { DEFAULT_RECIPIENT_HOURS, type CampaignWindow } from '@callplane/contracts';
import { callingHoursAt, insideRecipientHours, insideWindows, recipientZone } from './calling-hours';
import { regionZone } from './recipient-timezone';

const at = (iso: string) => new Date(iso);
const weekdays9to5: CampaignWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00' }];
const everyDay9to5: CampaignWindow[] = [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '09:00', end: '17:00' }];

describe('insideWindows', () => {
  it.each([
    ['2026-03-09T12:59:00Z', false, 'Monday 08:59 EDT'],
    ['2026-03-09T13:00:00Z', true, 'Monday 09:00 EDT'],
    ['2026-03-09T20:59:00Z', true, 'Monday 16:59 EDT'],
    ['2026-03-09T21:00:00Z', false, 'Monday 17:00 EDT: the end is not inside'],
    ['2026-03-07T15:00:00Z', false, 'Saturday 10:00 EST: not a weekday'],
    ['2026-03-10T03:00:00Z', false, 'Monday 23:00 EDT'],
  ])('America/New_York weekdays 09:00–17:00 at %s → %s (%s)', (iso, expected) => {
    expect(insideWindows(weekdays9to5, 'America/New_York', at(iso))).toBe(expected);
  });

  it('follows the spring-forward on 2026-03-08: 09:00 opens at 14:00Z on Saturday, 13:00Z on Sunday', () => {
    const tz = 'America/New_York';
    expect(insideWindows(everyDay9to5, tz, at('2026-03-07T13:30:00Z'))).toBe(false); // 08:30 EST
    expect(insideWindows(everyDay9to5, tz, at('2026-03-07T14:00:00Z'))).toBe(true); // 09:00 EST
    expect(insideWindows(everyDay9to5, tz, at('2026-03-08T13:00:00Z'))).toBe(true); // 09:00 EDT
    expect(insideWindows(everyDay9to5, tz, at('2026-03-08T12:59:00Z'))).toBe(false); // 08:59 EDT
    expect(insideWindows(everyDay9to5, tz, at('2026-03-08T20:59:00Z'))).toBe(true); // 16:59 EDT
    expect(insideWindows(everyDay9to5, tz, at('2026-03-08T21:00:00Z'))).toBe(false); // 17:00 EDT
  });

  it('follows the fall-back on 2026-11-01: 09:00 opens at 13:00Z on Saturday, 14:00Z on Sunday', () => {
    const tz = 'America/New_York';
    expect(insideWindows(everyDay9to5, tz, at('2026-10-31T13:00:00Z'))).toBe(true); // 09:00 EDT
    expect(insideWindows(everyDay9to5, tz, at('2026-11-01T13:30:00Z'))).toBe(false); // 08:30 EST
    expect(insideWindows(everyDay9to5, tz, at('2026-11-01T14:00:00Z'))).toBe(true); // 09:00 EST
    expect(insideWindows(everyDay9to5, tz, at('2026-11-01T21:59:00Z'))).toBe(true); // 16:59 EST
    expect(insideWindows(everyDay9to5, tz, at('2026-11-01T22:00:00Z'))).toBe(false); // 17:00 EST
  });

  it('a window in the repeated hour of the fall-back is open for both of its passes; one in the skipped hour of the spring-forward never opens', () => {
    const tz = 'America/New_York';
    const oneToTwo: CampaignWindow[] = [{ days: ['sun'], start: '01:00', end: '02:00' }];
    // 01:00–02:00 happens twice on 2026-11-01: 05:00–06:00Z (EDT) and 06:00–07:00Z (EST).
    expect(insideWindows(oneToTwo, tz, at('2026-11-01T05:30:00Z'))).toBe(true);
    expect(insideWindows(oneToTwo, tz, at('2026-11-01T06:30:00Z'))).toBe(true);
    expect(insideWindows(oneToTwo, tz, at('2026-11-01T07:00:00Z'))).toBe(false);
    // 02:00–03:00 does not exist on 2026-03-08: every minute of that night is outside.
    const twoToThree: CampaignWindow[] = [{ days: ['sun'], start: '02:00', end: '03:00' }];
    for (let m = 0; m < 24 * 60; m += 15) expect(insideWindows(twoToThree, tz, new Date(Date.parse('2026-03-08T00:00:00Z') + m * 60_000))).toBe(false);
  });

  it('Asia/Kolkata (UTC+05:30, no DST): 09:00 is 03:30Z in March and in November alike', () => {
    for (const day of ['2026-03-09', '2026-11-02']) {
      expect(insideWindows(weekdays9to5, 'Asia/Kolkata', at(`${day}T03:29:00Z`))).toBe(false);
      expect(insideWindows(weekdays9to5, 'Asia/Kolkata', at(`${day}T03:30:00Z`))).toBe(true);
      expect(insideWindows(weekdays9to5, 'Asia/Kolkata', at(`${day}T11:29:00Z`))).toBe(true);
      expect(insideWindows(weekdays9to5, 'Asia/Kolkata', at(`${day}T11:30:00Z`))).toBe(false);
    }
  });

  it('the weekday is the local one: Monday 02:00 in Kolkata is still Sunday in UTC', () => {
    const mondayNight: CampaignWindow[] = [{ days: ['mon'], start: '00:00', end: '03:00' }];
    expect(insideWindows(mondayNight, 'Asia/Kolkata', at('2026-03-08T20:30:00Z'))).toBe(true);
    expect(insideWindows(mondayNight, 'UTC', at('2026-03-08T20:30:00Z'))).toBe(false);
  });

  it('any of several windows will do', () => {
    const split: CampaignWindow[] = [
      { days: ['mon'], start: '09:00', end: '12:00' },
      { days: ['mon'], start: '14:00', end: '18:00' },
    ];
    expect(insideWindows(split, 'UTC', at('2026-03-09T11:00:00Z'))).toBe(true);
    expect(insideWindows(split, 'UTC', at('2026-03-09T13:00:00Z'))).toBe(false);
    expect(insideWindows(split, 'UTC', at('2026-03-09T15:00:00Z'))).toBe(true);
  });
});

describe('recipient hours', () => {
  it('08:00–21:00 by default, on the recipient clock across the US DST change', () => {
    const tz = 'America/Los_Angeles';
    expect(insideRecipientHours(DEFAULT_RECIPIENT_HOURS, tz, at('2026-03-07T15:59:00Z'))).toBe(false); // 07:59 PST
    expect(insideRecipientHours(DEFAULT_RECIPIENT_HOURS, tz, at('2026-03-07T16:00:00Z'))).toBe(true); // 08:00 PST
    expect(insideRecipientHours(DEFAULT_RECIPIENT_HOURS, tz, at('2026-03-08T15:00:00Z'))).toBe(true); // 08:00 PDT
    expect(insideRecipientHours(DEFAULT_RECIPIENT_HOURS, tz, at('2026-03-09T04:00:00Z'))).toBe(false); // 21:00 PDT
    expect(insideRecipientHours(DEFAULT_RECIPIENT_HOURS, tz, at('2026-03-09T03:59:00Z'))).toBe(true); // 20:59 PDT
  });

  it('null turns them off', () => {
    expect(insideRecipientHours(null, 'Asia/Kolkata', at('2026-03-09T22:00:00Z'))).toBe(true); // 03:30 IST
  });

  it('the zone is the contact’s own, else the one its country fixes, else the campaign’s', () => {
    expect(recipientZone({ toNumber: '+919876543210', timezone: 'Europe/Paris' }, 'America/New_York')).toBe('Europe/Paris');
    expect(recipientZone({ toNumber: '+919876543210', timezone: null }, 'America/New_York')).toBe('Asia/Kolkata');
    expect(recipientZone({ toNumber: '+447400123456', timezone: null }, 'America/New_York')).toBe('Europe/London');
    // The US spans several zones: its numbers take the campaign's.
    expect(recipientZone({ toNumber: '+14155550123', timezone: null }, 'America/Chicago')).toBe('America/Chicago');
    expect(regionZone('+14155550123')).toBeNull();
    expect(regionZone('+4930123456')).toBe('Europe/Berlin');
    expect(regionZone('+15550110005')).toBeNull();
  });
});

describe('callingHoursAt', () => {
  const campaign = { timezone: 'America/New_York', windows: everyDay9to5, recipientHours: DEFAULT_RECIPIENT_HOURS };

  it('inside the window, an Indian contact at its night waits while a New York one goes', () => {
    const hours = callingHoursAt(campaign, at('2026-03-09T14:00:00Z')); // 10:00 EDT, 19:30 IST
    expect(hours.open).toBe(true);
    expect(hours.allows({ toNumber: '+14155550123', timezone: null })).toBe(true);
    expect(hours.allows({ toNumber: '+919876543210', timezone: null })).toBe(true);
    const later = callingHoursAt(campaign, at('2026-03-09T16:00:00Z')); // 12:00 EDT, 21:30 IST
    expect(later.allows({ toNumber: '+14155550123', timezone: null })).toBe(true);
    expect(later.allows({ toNumber: '+919876543210', timezone: null })).toBe(false);
    expect(later.allows({ toNumber: '+919876543210', timezone: 'America/Denver' })).toBe(true);
  });

  it('outside the window nobody goes, whatever their own hours', () => {
    const hours = callingHoursAt(campaign, at('2026-03-09T12:00:00Z')); // 08:00 EDT
    expect(hours.open).toBe(false);
    expect(hours.allows({ toNumber: '+14155550123', timezone: null })).toBe(false);
  });

  it('recipient hours null: only the window counts', () => {
    const hours = callingHoursAt({ ...campaign, recipientHours: null }, at('2026-03-09T16:00:00Z'));
    expect(hours.allows({ toNumber: '+919876543210', timezone: null })).toBe(true);
  });
});

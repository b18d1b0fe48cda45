import { localTime } from '@callplane/calls';
import type { CampaignWindow, RecipientHours } from '@callplane/contracts';
import { regionZone } from './recipient-timezone';

/**
 * When a campaign may dial a contact (API.md "Campaigns"): inside one of the campaign's windows on the wall clock of
 * its time zone, and, unless `recipient_hours` is null, inside those hours on the recipient's own wall clock. Pure:
 * the instant is an argument, and the wall clocks come from the IANA database through `Intl` (`localTime`), so a DST
 * change moves the windows with the clock (a 09:00 window opens at 13:00Z on the first EDT day, 14:00Z the day before).
 * Windows and hours are half-open, `[start, end)`: a 09:00–17:00 window admits at 16:59, not at 17:00.
 */

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

const within = (minutes: number, span: { start: string; end: string }) => minutes >= minutesOf(span.start) && minutes < minutesOf(span.end);

/** Whether `at` falls in one of `windows` (same-day spans, validated `start < end`) on the wall clock of `timezone`. */
export function insideWindows(windows: readonly CampaignWindow[], timezone: string, at: Date): boolean {
  const { day, minutes } = localTime(at, timezone);
  return windows.some((w) => (w.days as readonly string[]).includes(day) && within(minutes, w));
}

/** Whether `at` falls in the recipient's hours on the wall clock of `zone`; null hours: always. */
export function insideRecipientHours(hours: RecipientHours | null, zone: string, at: Date): boolean {
  if (!hours) return true;
  return within(localTime(at, zone).minutes, hours);
}

/** The recipient's time zone: the contact's own (uploaded), else the one its number's country fixes, else the campaign's. */
export function recipientZone(contact: { toNumber: string; timezone: string | null }, campaignTimezone: string): string {
  return contact.timezone ?? regionZone(contact.toNumber) ?? campaignTimezone;
}

export interface CallingHours {
  timezone: string;
  windows: readonly CampaignWindow[];
  recipientHours: RecipientHours | null;
}

/**
 * The calling-hours rule of one campaign at one instant: the window check is made once (outside every window nothing
 * is dialed), then each contact is checked in its own zone (one outside its hours waits while the others go).
 */
export function callingHoursAt(campaign: CallingHours, at: Date): { open: boolean; allows(contact: { toNumber: string; timezone: string | null }): boolean } {
  const open = insideWindows(campaign.windows, campaign.timezone, at);
  return {
    open,
    allows: (contact) => open && insideRecipientHours(campaign.recipientHours, recipientZone(contact, campaign.timezone), at),
  };
}

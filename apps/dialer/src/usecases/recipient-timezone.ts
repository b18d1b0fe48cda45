import { getCountry } from 'countries-and-timezones';

const cache = new Map<string, string | null>();

/**
 * The time zone a number's country fixes, when it has exactly one (India: Asia/Kolkata); null for a country with
 * several (the US, Canada, Russia…) or none known, where the recipient's zone cannot be read from the number and the
 * campaign's zone stands in.
 */
export function countryTimeZone(country: string | undefined): string | null {
  if (!country) return null;
  let zone = cache.get(country);
  if (zone === undefined) {
    const zones = getCountry(country)?.timezones ?? [];
    zone = zones.length === 1 ? zones[0]! : null;
    cache.set(country, zone);
  }
  return zone;
}

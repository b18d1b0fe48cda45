import { countryOf } from '@callplane/contracts';
import { getCountry, getTimezone } from 'countries-and-timezones';

const cache = new Map<string, string | null>();

/**
 * The time zone a country fixes, or null when it spans several (the US, Canada, Australia…: a number's area code does
 * not say where its owner is) or none is known; the campaign's zone then stands in. A country counts as one zone when
 * all its zones keep the same offsets (Germany's Europe/Berlin and Europe/Busingen). The one rule for both the upload
 * (a contact's zone when the file gives none) and admission (a contact stored without one).
 */
export function countryTimeZone(country: string | undefined): string | null {
  if (!country) return null;
  let zone = cache.get(country);
  if (zone === undefined) {
    const zones = getCountry(country)?.timezones ?? [];
    const offsets = new Set(
      zones.map((z) => {
        const tz = getTimezone(z);
        return tz ? `${tz.utcOffset}/${tz.dstOffset}` : z;
      }),
    );
    zone = zones.length > 0 && offsets.size === 1 ? zones[0]! : null;
    cache.set(country, zone);
  }
  return zone;
}

/** The time zone an E.164 number's country fixes (`countryTimeZone` of its country), or null. */
export function regionZone(e164: string): string | null {
  return countryTimeZone(countryOf(e164));
}

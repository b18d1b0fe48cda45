import { useId } from 'react';
import { TextField } from './field';

/** The browser's own IANA zones as suggestions; the API is the judge of what it accepts. */
const ZONES: string[] = (() => {
  try {
    return ['UTC', ...Intl.supportedValuesOf('timeZone').filter((z) => z !== 'UTC')];
  } catch {
    return ['UTC'];
  }
})();

export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** An IANA time-zone name, typed or picked from the suggestions. */
export function TimeZoneField({ value, onChange, error, label = 'Time zone', hint = 'An IANA name such as Asia/Kolkata.' }: { value: string; onChange: (tz: string) => void; error?: string; label?: string; hint?: string }) {
  const list = useId();
  return (
    <>
      <TextField label={label} value={value} onChange={(e) => onChange(e.target.value)} error={error} hint={hint} list={list} autoComplete="off" spellCheck={false} />
      <datalist id={list}>
        {ZONES.map((z) => (
          <option key={z} value={z} />
        ))}
      </datalist>
    </>
  );
}

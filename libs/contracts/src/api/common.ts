import { z } from 'zod';
import { E164_PATTERN } from '../phone';

export const e164Schema = z.string().regex(E164_PATTERN, 'must be an E.164 phone number such as +14155551234');

export const httpUrlSchema = z
  .string()
  .max(2048)
  .url('must be an http(s) URL')
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

/** `?limit=` with no value means the default, not zero. */
const blankAsUnset = (v: unknown) => (v === '' ? undefined : v);

export const listQuerySchema = z.object({
  limit: z.preprocess(blankAsUnset, z.coerce.number().int().min(1).max(200).default(50)),
  cursor: z.preprocess(blankAsUnset, z.string().max(200).optional()),
});
export type ListQuery = z.infer<typeof listQuerySchema>;

export const listOf = <T extends z.ZodTypeAny>(item: T) => z.object({ data: z.array(item), next_cursor: z.string().nullable() });

/** True when `tz` is an IANA time-zone name the runtime knows (e.g. `Asia/Kolkata`). */
export function isIanaTimeZone(tz: string): boolean {
  if (!/^[A-Za-z_]+(\/[A-Za-z0-9_+-]+)*$/.test(tz) && tz !== 'UTC') return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

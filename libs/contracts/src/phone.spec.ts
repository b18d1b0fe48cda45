import { dialNumberSchema } from './api/outbound';
import { parseE164, toE164 } from './phone';

describe('one number policy', () => {
  it.each([
    ['+14155551234', '+14155551234'],
    ['+1 (415) 555-1234', '+14155551234'],
    ['+1.415.555.1234', '+14155551234'],
    ['14155551234', '+14155551234'],
    ['  +91 98765 43210 ', '+919876543210'],
  ])('normalises the harmless form %s', (input, e164) => {
    expect(toE164(input)).toBe(e164);
    expect(dialNumberSchema.safeParse(input)).toEqual({ success: true, data: e164 });
  });

  it.each([
    ['a tel: URI', 'tel:+14155551234'],
    ['an extension', '+14155551234;ext=1'],
    ['an x extension', '+1 415 555 1234 x12'],
    ['full-width digits', '＋１４１５５５５１２３４'],
    ['letters', '+1-800-FLOWERS'],
    ['a second plus', '+1+4155551234'],
  ])('refuses %s rather than changing it', (_what, input) => {
    expect(toE164(input)).toBeNull();
    expect(dialNumberSchema.safeParse(input).success).toBe(false);
  });

  it('reads a national form in the country it is given (a carrier’s 0-prefixed Indian number)', () => {
    expect(parseE164('09876543210', 'IN')).toEqual({ number: '+919876543210', country: 'IN' });
  });
});

import { hasPrefix, newId } from './ids';

describe('newId', () => {
  it('is the kind’s prefix and 20 base-36 characters, and never repeats across refills of its random pool', () => {
    const ids = Array.from({ length: 2_000 }, () => newId('campaignContact'));
    for (const id of ids) {
      expect(id).toMatch(/^cct_[0-9a-z]{20}$/);
      expect(hasPrefix(id, 'campaignContact')).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
    // Consecutive ids share no bytes (each draw is fresh): no two agree on every one of their first ten characters.
    for (let i = 1; i < ids.length; i++) expect(ids[i]!.slice(4, 14)).not.toBe(ids[i - 1]!.slice(4, 14));
  });
});

import { ProviderError } from '../provider-adapter';
import { ExotelCallConfirmer, type ExotelNumber } from './exotel-call-confirmer';
import type { ExotelCall } from './exotel-calls';

const CREDS = { api_key: 'k', api_token: 't', account_sid: 'acme' };
const phone = (id = 'pn_confirmer', number = '+919513886399'): ExotelNumber => ({ id, number, credentials: CREDS });
const call = (sid: string, to: string | null = '+919513886399'): ExotelCall => ({ providerCallId: sid, to, from: '+919876543210', state: 'in_progress', rawStatus: 'in-progress', direction: 'inbound' });

/** The confirmer's memory and sharing, with a stub for Exotel's Call Details API that counts its lookups. */
describe('ExotelCallConfirmer', () => {
  let clock = 1_000_000;
  let lookups: string[] = [];
  /** Calls Exotel knows on the account, by CallSid; a value of Error makes the lookup throw it. */
  let known: Map<string, ExotelCall | Error>;
  const lookup = async (_creds: unknown, sid: string): Promise<ExotelCall | null> => {
    lookups.push(sid);
    const found = known.get(sid);
    if (found instanceof Error) throw found;
    return found ?? null;
  };
  const confirmer = (opts: { ttlMs?: number; maxEntries?: number } = {}) => new ExotelCallConfirmer(lookup, { ...opts, now: () => clock });

  beforeEach(() => {
    lookups = [];
    known = new Map([['c1', call('c1')], ['c2', call('c2')], ['c3', call('c3')], ['other', call('other', '+919513886300')]]);
  });

  it('confirms a call to this number, and remembers it for the TTL per (number, CallSid)', async () => {
    const c = confirmer({ ttlMs: 60_000 });
    expect(await c.confirm(phone(), 'c1')).toEqual({ kind: 'confirmed', call: call('c1') });
    await c.confirm(phone(), 'c1');
    expect(lookups).toEqual(['c1']);
    // Another number asking about the same CallSid is asked about on its own account.
    await c.confirm(phone('pn_other_number'), 'c1');
    expect(lookups).toEqual(['c1', 'c1']);
    clock += 60_001;
    await c.confirm(phone(), 'c1');
    expect(lookups).toEqual(['c1', 'c1', 'c1']);
  });

  it('lets concurrent requests for one call share one lookup', async () => {
    const c = confirmer();
    const results = await Promise.all(Array.from({ length: 10 }, () => c.confirm(phone(), 'c2')));
    expect(results.every((r) => r.kind === 'confirmed')).toBe(true);
    expect(lookups).toEqual(['c2']);
  });

  it('refuses a call not on the account, or to another number, and does not remember refusals', async () => {
    const c = confirmer();
    expect(await c.confirm(phone(), 'nope')).toMatchObject({ kind: 'refused', reason: 'not_on_account' });
    expect(await c.confirm(phone(), 'other')).toMatchObject({ kind: 'refused', reason: 'to_another_number' });
    await c.confirm(phone(), 'other');
    expect(lookups).toEqual(['nope', 'other', 'other']);
  });

  it("reports a failed lookup as unavailable, keeping a ProviderError and wrapping anything else as provider_unavailable", async () => {
    const c = confirmer();
    const rejected = new ProviderError('invalid_credentials', 'Exotel refused the API key', { providerStatus: 401 });
    known.set('bad-key', rejected);
    known.set('crash', new TypeError('socket hang up'));
    expect(await c.confirm(phone(), 'bad-key')).toEqual({ kind: 'unavailable', error: rejected });
    const crash = await c.confirm(phone(), 'crash');
    expect(crash.kind === 'unavailable' && crash.error).toMatchObject({ code: 'provider_unavailable', message: expect.stringContaining('socket hang up') });
    // Not remembered: once Exotel answers, the call is confirmed.
    known.set('crash', call('crash'));
    expect(await c.confirm(phone(), 'crash')).toMatchObject({ kind: 'confirmed' });
  });

  it('holds at most maxEntries confirmations, dropping the oldest', async () => {
    const c = confirmer({ maxEntries: 2 });
    for (const sid of ['c1', 'c2', 'c3']) await c.confirm(phone(), sid);
    await c.confirm(phone(), 'c3');
    await c.confirm(phone(), 'c2');
    expect(lookups).toEqual(['c1', 'c2', 'c3']);
    await c.confirm(phone(), 'c1'); // dropped
    expect(lookups).toEqual(['c1', 'c2', 'c3', 'c1']);
  });
});

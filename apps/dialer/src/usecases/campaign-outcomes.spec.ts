import type { CallState, CampaignRetry } from '@callplane/contracts';
import { paceSlots } from './campaign-admission';
import { decideContactOutcome } from './campaign-outcomes';

const ended = new Date('2026-11-25T10:05:00Z');
const retry: CampaignRetry = { max_attempts: 3, backoff_seconds: 900, on: ['no_answer', 'busy'] };
const decide = (terminal: CallState, over: { attempts?: number; campaignStatus?: string; answeredAt?: Date | null; retry?: CampaignRetry } = {}) =>
  decideContactOutcome({ terminal, attempts: over.attempts ?? 1, retry: over.retry ?? retry, campaignStatus: over.campaignStatus ?? 'running', endedAt: ended, answeredAt: over.answeredAt ?? null });

describe('decideContactOutcome', () => {
  it('an outcome in retry.on with attempts left waits backoff_seconds from the end of the call', () => {
    expect(decide('no_answer')).toEqual({ state: 'retry_scheduled', lastOutcome: 'no_answer', nextAttemptAt: new Date('2026-11-25T10:20:00Z'), durationSeconds: null });
    expect(decide('busy', { attempts: 2 })).toMatchObject({ state: 'retry_scheduled', lastOutcome: 'busy' });
  });

  it('the last attempt, or an outcome not in retry.on, is final with that outcome', () => {
    expect(decide('no_answer', { attempts: 3 })).toEqual({ state: 'no_answer', lastOutcome: 'no_answer', nextAttemptAt: null, durationSeconds: null });
    expect(decide('failed')).toMatchObject({ state: 'failed', nextAttemptAt: null });
    expect(decide('busy', { retry: { max_attempts: 1, backoff_seconds: 0, on: ['busy'] } })).toMatchObject({ state: 'busy' });
  });

  it('a call we hung up before the answer (canceled) counts as failed: the contact was not reached', () => {
    expect(decide('canceled')).toMatchObject({ state: 'failed', lastOutcome: 'failed' });
    expect(decide('canceled', { retry: { ...retry, on: ['failed'] } })).toMatchObject({ state: 'retry_scheduled', lastOutcome: 'failed' });
  });

  it('an answered call is completed, never retried, with its duration from answer to end', () => {
    expect(decide('completed', { answeredAt: new Date('2026-11-25T10:03:30.400Z') })).toEqual({ state: 'completed', lastOutcome: 'completed', nextAttemptAt: null, durationSeconds: 90 });
  });

  it('a campaign that is over retries nothing: its in-flight call’s end is final', () => {
    expect(decide('no_answer', { campaignStatus: 'canceled' })).toMatchObject({ state: 'no_answer', nextAttemptAt: null });
    expect(decide('busy', { campaignStatus: 'completed' })).toMatchObject({ state: 'busy' });
    // Paused is not over: the retry is scheduled and waits for the resume like every other contact.
    expect(decide('busy', { campaignStatus: 'paused' })).toMatchObject({ state: 'retry_scheduled' });
  });

  it('a terminal state is required', () => {
    expect(() => decide('in_progress')).toThrow(/not a terminal call state/);
  });
});

describe('paceSlots', () => {
  const now = new Date('2026-11-25T10:00:00.000Z');
  const ms = (d: Date) => d.getTime() - now.getTime();

  it('hands out one slot per 1/rate seconds from max(pace_next_at, now), up to the horizon', () => {
    const { slots, next } = paceSlots(null, 5, now, 1000, 100);
    expect(slots.map(ms)).toEqual([0, 200, 400, 600, 800]);
    expect(ms(next(5)!)).toBe(1000);
    expect(ms(next(2)!)).toBe(400);
  });

  it('starts from pace_next_at when it is ahead of now, and gives nothing when it is past the horizon', () => {
    expect(paceSlots(new Date(now.getTime() + 300), 5, now, 1000, 100).slots.map(ms)).toEqual([300, 500, 700, 900]);
    expect(paceSlots(new Date(now.getTime() + 1000), 5, now, 1000, 100).slots).toEqual([]);
  });

  it('a pace_next_at in the past is not credit: an idle campaign does not burst', () => {
    expect(paceSlots(new Date(now.getTime() - 60_000), 5, now, 400, 100).slots.map(ms)).toEqual([0, 200]);
  });

  it('rounds slot times up to whole milliseconds, so no second ever holds more than the rate', () => {
    const { slots } = paceSlots(null, 3, now, 1000, 100);
    expect(slots.map(ms)).toEqual([0, 334, 667]);
    const longer = paceSlots(null, 3, now, 10_000, 100).slots.map(ms);
    for (let i = 0; i + 3 < longer.length; i++) expect(longer[i + 3]! - longer[i]!).toBe(1000);
    expect(ms(paceSlots(null, 3, now, 1000, 100).next(3)!)).toBe(1000);
  });

  it('at most `max` slots; without a rate every slot is now and pace_next_at is left as it was', () => {
    expect(paceSlots(null, 100, now, 1000, 7).slots).toHaveLength(7);
    const unpaced = paceSlots(null, null, now, 1000, 4);
    expect(unpaced.slots.map(ms)).toEqual([0, 0, 0, 0]);
    expect(unpaced.next(4)).toBeNull();
  });
});

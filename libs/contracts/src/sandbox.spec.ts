import { dialRequestSchema } from './api/outbound';
import { isSandboxNumber, sandboxBehaviour, SANDBOX_NUMBERS } from './sandbox';

describe('sandbox carrier numbers', () => {
  it('gives each reserved number its outcome, and the rest of the range a 404', () => {
    expect(sandboxBehaviour(SANDBOX_NUMBERS.answers)).toEqual({ kind: 'answers' });
    expect(sandboxBehaviour(SANDBOX_NUMBERS.busy)).toEqual({ kind: 'rejects', state: 'busy', sipStatus: 486 });
    expect(sandboxBehaviour(SANDBOX_NUMBERS.noAnswer)).toEqual({ kind: 'never_answers', sipStatus: 480 });
    expect(sandboxBehaviour(SANDBOX_NUMBERS.fails)).toEqual({ kind: 'rejects', state: 'failed', sipStatus: 503 });
    expect(sandboxBehaviour('+15550100077')).toEqual({ kind: 'rejects', state: 'failed', sipStatus: 404 });
  });

  it('is only the +1 (555) 010-00xx block', () => {
    expect(isSandboxNumber('+15550100099')).toBe(true);
    for (const n of ['+15550100100', '+14155550100', '+1555010000', '+155501000011', '15550100001']) expect(isSandboxNumber(n)).toBe(false);
    expect(sandboxBehaviour('+14155550100')).toBeNull();
  });

  it('is accepted by the dial API although libphonenumber calls it invalid; other 555 numbers are not', () => {
    const body = { agent_id: 'agt_1', from_number: '+14155550100' };
    expect(dialRequestSchema.parse({ ...body, to_number: SANDBOX_NUMBERS.answers }).to_number).toBe('+15550100001');
    expect(dialRequestSchema.safeParse({ ...body, to_number: '+15550200001' }).success).toBe(false);
  });
});

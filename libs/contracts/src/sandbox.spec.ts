import { dialRequestSchema } from './api/outbound';
import { toE164 } from './phone';
import {
  isSandboxCallerId,
  isSandboxNumber,
  sandboxBehaviour,
  sandboxCallerIds,
  sandboxLoadNumber,
  SANDBOX_LOAD_RING_MS,
  SANDBOX_NUMBER_PATTERN,
  SANDBOX_NUMBERS,
  SANDBOX_TRIAL_NUMBER,
} from './sandbox';

describe('sandbox carrier numbers', () => {
  it('gives each reserved number its outcome, and the rest of the range a 404', () => {
    expect(sandboxBehaviour(SANDBOX_NUMBERS.answers)).toEqual({ kind: 'answers' });
    expect(sandboxBehaviour(SANDBOX_NUMBERS.busy)).toEqual({ kind: 'rejects', state: 'busy', sipStatus: 486 });
    expect(sandboxBehaviour(SANDBOX_NUMBERS.noAnswer)).toEqual({ kind: 'never_answers', sipStatus: 480 });
    expect(sandboxBehaviour(SANDBOX_NUMBERS.fails)).toEqual({ kind: 'rejects', state: 'failed', sipStatus: 503 });
    expect(sandboxBehaviour('+15550100077')).toEqual({ kind: 'rejects', state: 'failed', sipStatus: 404 });
  });

  it('is only the +1 (555) 010-00xx and 011-xxxx blocks', () => {
    for (const n of ['+15550100099', '+15550110000', '+15550119999']) expect(isSandboxNumber(n)).toBe(true);
    for (const n of ['+15550100100', '+15550120000', '+14155550100', '+1555010000', '+155501000011', '+1555011000', '+155501100000', '15550100001', '15550110105'])
      expect(isSandboxNumber(n)).toBe(false);
    expect(sandboxBehaviour('+14155550100')).toBeNull();
    expect(sandboxBehaviour('+15550120005')).toBeNull();
  });

  it('the load range rings a second, then holds YY seconds after the answer (00: one second); XX changes nothing', () => {
    expect(SANDBOX_LOAD_RING_MS).toBe(1_000);
    expect(sandboxBehaviour('+15550110005')).toEqual({ kind: 'load', ringMs: 1_000, holdSeconds: 5 });
    expect(sandboxBehaviour('+15550114205')).toEqual({ kind: 'load', ringMs: 1_000, holdSeconds: 5 });
    expect(sandboxBehaviour('+15550119999')).toEqual({ kind: 'load', ringMs: 1_000, holdSeconds: 99 });
    expect(sandboxBehaviour('+15550110000')).toEqual({ kind: 'load', ringMs: 1_000, holdSeconds: 1 });
    expect(sandboxBehaviour('+15550113701')).toEqual({ kind: 'load', ringMs: 1_000, holdSeconds: 1 });
  });

  it('sandboxLoadNumber spells the number of a hold time and variant, inside the range', () => {
    expect(sandboxLoadNumber(5)).toBe('+15550110005');
    expect(sandboxLoadNumber(30, 7)).toBe('+15550110730');
    expect(sandboxLoadNumber(99, 99)).toBe('+15550119999');
    const all = new Set<string>();
    for (let v = 0; v < 100; v++) all.add(sandboxLoadNumber(3, v));
    expect(all.size).toBe(100);
    for (const n of all) expect(sandboxBehaviour(n)).toEqual({ kind: 'load', ringMs: 1_000, holdSeconds: 3 });
    for (const bad of [0, 100, 1.5, -1]) expect(() => sandboxLoadNumber(bad)).toThrow(RangeError);
    expect(() => sandboxLoadNumber(5, 100)).toThrow(RangeError);
  });

  it('is accepted by the dial API although libphonenumber calls it invalid; other 555 numbers are not', () => {
    const body = { agent_id: 'agt_1', from_number: '+14155550100' };
    expect(dialRequestSchema.parse({ ...body, to_number: SANDBOX_NUMBERS.answers }).to_number).toBe('+15550100001');
    expect(toE164('+15550110105')).toBeNull();
    expect(dialRequestSchema.parse({ ...body, to_number: '+15550110105' }).to_number).toBe('+15550110105');
    expect(dialRequestSchema.safeParse({ ...body, to_number: '+15550200001' }).success).toBe(false);
    expect(dialRequestSchema.safeParse({ ...body, to_number: '+15550130105' }).success).toBe(false);
  });

  it('hands tenants the caller ids +1 (555) 012-0001 … 9999 in order, each once, apart from the trial pool\'s 012-0000', () => {
    const ids = sandboxCallerIds();
    expect(ids.slice(0, 2)).toEqual(['+15550120001', '+15550120002']);
    expect(ids.at(-1)).toBe('+15550129999');
    expect(new Set(ids).size).toBe(9_999);
    expect(ids).not.toContain(SANDBOX_TRIAL_NUMBER);
    expect(SANDBOX_TRIAL_NUMBER).toBe('+15550120000');
    const all = [...ids, SANDBOX_TRIAL_NUMBER];
    expect(all.filter((n) => !isSandboxCallerId(n))).toEqual([]);
    // Caller ids, not destinations: the sandbox carrier places no call to them.
    expect(all.filter(isSandboxNumber)).toEqual([]);
    for (const n of ['+15550100000', '+15550110000', '+1555012000', '+155501200001', '+15550130000']) expect(isSandboxCallerId(n)).toBe(false);
  });

  it('takes a caller id as the number a call is placed from, although libphonenumber calls it invalid, but not as a destination', () => {
    const parsed = dialRequestSchema.parse({ agent_id: 'agt_1', from_number: ' +15550120007', to_number: SANDBOX_NUMBERS.answers });
    expect(parsed.from_number).toBe('+15550120007');
    expect(toE164('+15550120007')).toBeNull();
    expect(dialRequestSchema.safeParse({ agent_id: 'agt_1', from_number: '+15550120007', to_number: '+15550120008' }).success).toBe(false);
  });

  it('spells the destination rule once more as a pattern PostgreSQL can read, agreeing with isSandboxNumber', () => {
    const pattern = new RegExp(SANDBOX_NUMBER_PATTERN);
    for (const n of ['+15550100001', '+15550100099', '+15550110000', '+15550119999', '+15550100100', '+15550120001', '+14155550100', '+155501000011', '+1555011000'])
      expect(pattern.test(n)).toBe(isSandboxNumber(n));
  });
});

import { CALL_STATES, type CallState } from './call';
import { callStateRank, isTerminalState, nextCallState, stateForSipStatus } from './call-state-machine';

describe('call state machine', () => {
  it.each([
    ['initiating', 'ringing', 'ringing'],
    ['initiating', 'in_progress', 'in_progress'],
    ['initiating', 'no_answer', 'no_answer'],
    ['ringing', 'in_progress', 'in_progress'],
    ['ringing', 'busy', 'busy'],
    ['ringing', 'canceled', 'canceled'],
    ['in_progress', 'completed', 'completed'],
    ['in_progress', 'failed', 'failed'],
    // Answered calls cannot end unanswered: a late or mislabelled report still ends the call.
    ['in_progress', 'no_answer', 'completed'],
    ['in_progress', 'busy', 'completed'],
    ['in_progress', 'canceled', 'completed'],
  ] as Array<[CallState, CallState, CallState]>)('%s + %s → %s', (from, reported, to) => {
    expect(nextCallState(from, reported)).toBe(to);
  });

  it('never moves backwards or sideways, and nothing leaves a terminal state', () => {
    for (const from of CALL_STATES) {
      for (const reported of CALL_STATES) {
        const next = nextCallState(from, reported);
        if (isTerminalState(from) || from === reported) expect(next).toBeNull();
        if (from === 'in_progress' && (reported === 'ringing' || reported === 'initiating')) expect(next).toBeNull();
        if (from === 'ringing' && reported === 'initiating') expect(next).toBeNull();
      }
    }
  });

  it('any order of the same reports ends in the same state', () => {
    const reports: CallState[] = ['initiating', 'ringing', 'in_progress', 'completed'];
    const permutations = (xs: CallState[]): CallState[][] => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p])));
    for (const order of permutations(reports)) {
      const final = order.reduce<CallState>((s, r) => nextCallState(s, r) ?? s, 'initiating');
      expect(final).toBe('completed');
    }
  });

  it('ranks the live states in call order and every outcome level with the others', () => {
    expect(['initiating', 'ringing', 'in_progress'].map((s) => callStateRank(s as CallState))).toEqual([0, 1, 2]);
    expect(new Set(CALL_STATES.filter(isTerminalState).map(callStateRank))).toEqual(new Set([3]));
  });

  it.each([
    [200, 'in_progress'],
    [486, 'busy'],
    [600, 'busy'],
    [603, 'busy'],
    [480, 'no_answer'],
    [408, 'no_answer'],
    [487, 'no_answer'],
    [404, 'failed'],
    [503, 'failed'],
  ] as Array<[number, CallState]>)('SIP %i → %s', (code, state) => {
    expect(stateForSipStatus(code)).toBe(state);
  });
});

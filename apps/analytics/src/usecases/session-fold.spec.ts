import { CALL_STATES, callStateRank, type CallState } from '@callplane/contracts';
import { lifecycleWins, type LifecycleSnapshot } from './session-fold';

const snapshot = (state: CallState, occurredAt: string, eventId = `evt_${state}_${occurredAt}`): LifecycleSnapshot => ({
  eventId,
  occurredAt: `2026-03-10T14:00:${occurredAt}.000Z`,
  state,
  direction: 'outbound',
  callType: 'production',
  agentId: null,
  fromNumber: '+14155550100',
  toNumber: '+14155550199',
  provider: 'twilio',
  endReason: null,
  endedAt: null,
});

/** The snapshot rule on its own; the fold's order-independence over whole streams is shown in apply-call-events.spec.ts. */
describe('lifecycleWins', () => {
  it('a state further along the call-state machine wins whatever the times say', () => {
    for (const a of CALL_STATES) {
      for (const b of CALL_STATES) {
        if (callStateRank(b) === callStateRank(a)) continue;
        expect(lifecycleWins(snapshot(a, '30'), snapshot(b, '10'))).toBe(callStateRank(b) > callStateRank(a));
      }
    }
  });

  it('between two reports of one live state the later one wins; between two outcomes the first one does', () => {
    expect(lifecycleWins(snapshot('ringing', '02'), snapshot('ringing', '05'))).toBe(true);
    expect(lifecycleWins(snapshot('ringing', '05'), snapshot('ringing', '02'))).toBe(false);
    expect(lifecycleWins(snapshot('no_answer', '30'), snapshot('failed', '31'))).toBe(false);
    expect(lifecycleWins(snapshot('failed', '31'), snapshot('no_answer', '30'))).toBe(true);
  });

  it('exact ties fall to the event id, so exactly one of two different events wins', () => {
    const a = snapshot('completed', '40', 'evt_a');
    const b = snapshot('completed', '40', 'evt_b');
    expect([lifecycleWins(a, b), lifecycleWins(b, a)]).toEqual([true, false]);
    expect(lifecycleWins(a, a)).toBe(false);
  });
});

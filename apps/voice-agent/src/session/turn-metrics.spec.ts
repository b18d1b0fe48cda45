import { Registry } from 'prom-client';
import { TurnWatch, turnMetrics, type TurnObserver } from './turn-metrics';

function recorder() {
  const seen: string[] = [];
  const observer: TurnObserver = { answered: (s) => void seen.push(`answered ${s}`), missed: () => void seen.push('missed') };
  return { seen, watch: new TurnWatch(observer) };
}

describe('TurnWatch', () => {
  it('observes the latency of an answered caller turn; the greeting and unheard text answer nothing', () => {
    const { seen, watch } = recorder();
    watch.agentMessage({ startedSpeakingAt: 1 }); // the greeting: no caller turn before it
    watch.callerTurn();
    watch.agentMessage({}); // cut before its first frame: still waiting
    watch.agentMessage({ startedSpeakingAt: 5, e2eLatency: 0.8 });
    watch.agentMessage({ startedSpeakingAt: 9, e2eLatency: 0.5 }); // a second message for the same turn is not another answer
    expect(seen).toEqual(['answered 0.8']);
  });

  it('a caller turn still waiting when the next one comes is missed; at the end, only if the session failed', () => {
    const a = recorder();
    a.watch.callerTurn();
    a.watch.callerTurn();
    a.watch.ended(false);
    expect(a.seen).toEqual(['missed']);
    const b = recorder();
    b.watch.callerTurn();
    b.watch.ended(true);
    expect(b.seen).toEqual(['missed']);
  });
});

describe('turnMetrics', () => {
  it('feeds voice_agent_turn_latency_seconds and voice_agent_missed_turns_total', async () => {
    const registry = new Registry();
    const turns = turnMetrics(registry);
    turns.answered(0.6);
    turns.answered(2.2);
    turns.missed();
    const scrape = await registry.metrics();
    expect(scrape).toContain('voice_agent_turn_latency_seconds_bucket{le="0.75"} 1');
    expect(scrape).toContain('voice_agent_turn_latency_seconds_count 2');
    expect(scrape).toContain('voice_agent_missed_turns_total 1');
  });
});

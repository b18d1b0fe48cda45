import type { PriceTable, SessionDto } from '@callplane/contracts';
import { durationSeconds, type SessionState } from './session-fold';

export type SessionUsage = SessionDto['usage'];
export type SessionCost = SessionDto['cost'];

/** A usage line no price covers: rated at 0 and reported so an operator can add the price. */
export interface UnpricedLine {
  component: 'telephony' | 'llm' | 'tts' | 'stt';
  provider: string;
  model?: string;
}

/** Money is rounded to 6 decimals per component (a millionth of the currency unit); the total is the sum of the rounded parts. */
const round6 = (n: number) => Math.round(n * 1e6) / 1e6;

/** Telephony is billed per started minute of the answered duration (61 s → 2 min), as the carriers bill it; unanswered calls cost nothing. */
export function telephonyMinutes(seconds: number | null): number {
  return seconds && seconds > 0 ? Math.ceil(seconds / 60) : 0;
}

/** The line for (provider, model), else the provider's `*` line. */
function lookup<T extends { provider: string; model: string }>(lines: T[], provider: string, model: string): T | undefined {
  return lines.find((l) => l.provider === provider && l.model === model) ?? lines.find((l) => l.provider === provider && l.model === '*');
}

/** Usage totals and cost per component of one session at one price table. Pure: the same state and table always rate the same. */
export function rateSession(s: SessionState, prices: PriceTable): { usage: SessionUsage; cost: SessionCost; unpriced: UnpricedLine[] } {
  const unpriced: UnpricedLine[] = [];
  const { llm, tts, stt } = s.usageLines;
  // A web call (the studio's browser) uses no telephony: no minutes, no carrier cost.
  const minutes = s.lifecycle?.direction === 'web' ? 0 : telephonyMinutes(durationSeconds(s));
  const usage: SessionUsage = {
    llm_prompt_tokens: llm.reduce((n, l) => n + l.prompt_tokens, 0),
    llm_completion_tokens: llm.reduce((n, l) => n + l.completion_tokens, 0),
    tts_characters: tts.reduce((n, l) => n + l.characters, 0),
    stt_seconds: round6(stt.reduce((n, l) => n + l.seconds, 0)),
    telephony_minutes: minutes,
  };

  let telephony = 0;
  if (minutes > 0 && s.lifecycle) {
    const { provider, direction } = s.lifecycle;
    const line = prices.telephony_per_minute.find((l) => l.provider === provider && l.direction === direction);
    if (line) telephony = minutes * line.price;
    else unpriced.push({ component: 'telephony', provider });
  }
  const sum = <L extends { provider: string; model: string }, P extends { provider: string; model: string }>(
    component: UnpricedLine['component'],
    lines: L[],
    table: P[],
    cost: (l: L, p: P) => number,
  ) =>
    lines.reduce((total, l) => {
      const p = lookup(table, l.provider, l.model);
      if (!p) {
        unpriced.push({ component, provider: l.provider, model: l.model });
        return total;
      }
      return total + cost(l, p);
    }, 0);

  const parts = {
    telephony: round6(telephony),
    llm: round6(sum('llm', llm, prices.llm_per_1k_tokens, (l, p) => (l.prompt_tokens / 1000) * p.prompt + (l.completion_tokens / 1000) * p.completion)),
    tts: round6(sum('tts', tts, prices.tts_per_1k_characters, (l, p) => (l.characters / 1000) * p.price)),
    stt: round6(sum('stt', stt, prices.stt_per_minute, (l, p) => (l.seconds / 60) * p.price)),
  };
  return { usage, cost: { ...parts, total: round6(parts.telephony + parts.llm + parts.tts + parts.stt), currency: prices.currency }, unpriced };
}

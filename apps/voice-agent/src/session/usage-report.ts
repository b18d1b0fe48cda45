import type { CallUsageData, LlmUsage, SttUsage, TtsUsage } from '@callplane/contracts';
import type { metrics, voice } from '@livekit/agents';

/**
 * `call.usage` data from the session's usage collector: cumulative totals per provider and model, as the
 * contract wants (consumers keep the report with the highest `report_seq`). The collector drops zero-valued
 * fields, hence the defaults.
 */
export function usageData(sessionId: string, reportSeq: number, usage: voice.AgentSessionUsage, ttsCounted?: TtsCharacterCounter): CallUsageData {
  const llm: LlmUsage[] = [];
  const tts: TtsUsage[] = [];
  const stt: SttUsage[] = [];
  for (const u of usage.modelUsage) {
    const provider = u.provider || 'unknown';
    const model = u.model || 'unknown';
    if (u.type === 'llm_usage') llm.push({ provider, model, prompt_tokens: u.inputTokens ?? 0, completion_tokens: u.outputTokens ?? 0 });
    else if (u.type === 'tts_usage') tts.push({ provider, model, characters: u.charactersCount ?? 0 });
    else if (u.type === 'stt_usage') stt.push({ provider, model, seconds: (u.audioDurationMs ?? 0) / 1000 });
  }
  return { session_id: sessionId, report_seq: reportSeq, llm, tts: ttsCounted ? ttsCounted.lines() : tts, stt };
}

/**
 * TTS characters counted from the metrics events, because @livekit/agents 1.8.1 counts a non-streaming TTS
 * (OpenAI's, the local voice) twice in `session.usage`: the sentence StreamAdapter's SynthesizeStream and each
 * inner ChunkedStream both emit `tts_metrics` on the same TTS (tts/tts.ts, `streamed: true` and `false`).
 * For a non-streaming TTS only the ChunkedStream reports are real syntheses.
 */
export class TtsCharacterCounter {
  readonly #totals = new Map<string, TtsUsage>();

  constructor(private readonly ttsStreams: boolean) {}

  add(m: metrics.TTSMetrics): void {
    if (!this.ttsStreams && m.streamed) return;
    const provider = m.metadata?.modelProvider || 'unknown';
    const model = m.metadata?.modelName || 'unknown';
    const key = `${provider}\u0000${model}`;
    const line = this.#totals.get(key) ?? { provider, model, characters: 0 };
    line.characters += m.charactersCount;
    this.#totals.set(key, line);
  }

  lines(): TtsUsage[] {
    return [...this.#totals.values()].map((l) => ({ ...l }));
  }
}

/**
 * The voice bench's provider stand-ins of fixed latency: the local ones, delayed. Sleeps belong here, never in tests.
 * The streaming STT stand-in is in streaming-caller-stt.ts.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_API_CONNECT_OPTIONS, llm, tts, type APIConnectOptions, type AudioBuffer, type stt } from '@livekit/agents';
import { ScriptedCallerSTT } from '../../apps/voice-agent/src/local/scripted-stt';
import { SyntheticVoiceTTS, toFrames, voiceSamples } from '../../apps/voice-agent/src/local/synthetic-voice';

/** The local scripted recogniser (non-streaming: the framework wraps it in stt.StreamAdapter with a second VAD stream), answering `latencyMs` after each cut utterance. */
export class FixedLatencySTT extends ScriptedCallerSTT {
  constructor(
    readonly latencyMs: number,
    line: string,
  ) {
    // One line per turn, and spares: the scripted recogniser returns nothing once its script runs out.
    super(Array.from({ length: 1_000 }, () => line));
  }

  protected override async _recognize(audio: AudioBuffer): Promise<stt.SpeechEvent> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    return super._recognize(audio);
  }
}

/** Answers every user turn with `reply` as its first and only token, `ttftMs` after the chat starts. */
export class FixedLatencyLLM extends llm.LLM {
  constructor(
    readonly ttftMs: number,
    readonly reply: string,
  ) {
    super();
  }

  label(): string {
    return 'bench.FixedLatencyLLM';
  }

  override get provider(): string {
    return 'bench';
  }

  override get model(): string {
    return 'fixed-latency';
  }

  chat({ chatCtx, toolCtx, connOptions = DEFAULT_API_CONNECT_OPTIONS }: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions?: APIConnectOptions }): llm.LLMStream {
    return new FixedLatencyLLMStream(this, { chatCtx, toolCtx, connOptions });
  }
}

class FixedLatencyLLMStream extends llm.LLMStream {
  readonly #owner: FixedLatencyLLM;

  constructor(owner: FixedLatencyLLM, opts: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions: APIConnectOptions }) {
    super(owner, opts);
    this.#owner = owner;
  }

  protected async run(): Promise<void> {
    const last = this.chatCtx.items[this.chatCtx.items.length - 1];
    if (!last || last.type !== 'message' || last.role !== 'user') return;
    if (this.#owner.ttftMs > 0) await sleep(this.#owner.ttftMs);
    const id = `bench_${performance.now()}`;
    this.queue.put({ id, delta: { role: 'assistant', content: this.#owner.reply } });
    this.queue.put({ id, usage: { promptTokens: 20, completionTokens: 5, promptCachedTokens: 0, totalTokens: 25 } });
  }
}

/** Synthetic voice made once per text for the whole run, so the stand-in's own CPU (not ours) stays out of the measurement. */
const VOICE_CACHE = new Map<string, Int16Array>();

/** The synthetic voice after a fixed time to first chunk. */
export class FixedLatencyTTS extends SyntheticVoiceTTS {
  constructor(
    readonly firstChunkMs: number,
    msPerChar: number,
  ) {
    super({ msPerChar });
  }

  samples(text: string): Int16Array {
    let s = VOICE_CACHE.get(text);
    if (!s) VOICE_CACHE.set(text, (s = voiceSamples(text.length * this.msPerChar, this.sampleRate)));
    return s;
  }

  override synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    return new FixedLatencyChunkedStream(text, this, connOptions, abortSignal);
  }
}

class FixedLatencyChunkedStream extends tts.ChunkedStream {
  label = 'bench.FixedLatencyChunkedStream';
  readonly #voice: FixedLatencyTTS;

  constructor(text: string, voice: FixedLatencyTTS, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, voice, connOptions, abortSignal);
    this.#voice = voice;
  }

  protected async run(): Promise<void> {
    const text = this.inputText.trim();
    if (!text) return;
    if (this.#voice.firstChunkMs > 0) await sleep(this.#voice.firstChunkMs);
    const frames = toFrames(this.#voice.samples(text), this.#voice.sampleRate, 20);
    const requestId = `bench_${performance.now()}`;
    frames.forEach((frame, i) => this.queue.put({ requestId, segmentId: requestId, frame, final: i === frames.length - 1, deltaText: i === 0 ? text : undefined }));
  }
}

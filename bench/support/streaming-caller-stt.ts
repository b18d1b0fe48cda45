/**
 * A streaming STT stand-in for the voice bench: models a remote streaming recogniser (Deepgram and the like), which
 * finds the caller's utterances in the audio it is sent and answers each one with a final transcript a fixed time
 * after the utterance ends. Because it declares `streaming: true`, AgentSession uses it directly: no
 * `stt.StreamAdapter`, so no second Silero VAD stream per session, as in production.
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { asLanguageCode, stt, DEFAULT_API_CONNECT_OPTIONS, type APIConnectOptions, type AudioBuffer } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';

export interface StreamingCallerSTTOptions {
  /** End of the utterance (the last voiced frame reaching the stream) → FINAL_TRANSCRIPT, ms. */
  latencyMs: number;
  /** What the caller "said" in every utterance: the words come from the script, the turn-taking from the audio. */
  line: string;
  /**
   * Silence the detector waits for before it takes an utterance as ended. It is part of `latencyMs` (a remote
   * recogniser's latency includes its endpointing), so a `latencyMs` below it comes out as this. The bench's
   * synthetic voice dips to near zero at its 4 Hz syllable troughs for well under a frame; 60 ms rides over them.
   */
  hangoverMs?: number;
  /** Frames whose RMS (16-bit full scale) reaches this count as voiced. The far end's silence is exact zeros. */
  voicedRms?: number;
  language?: string;
  /** Called with `performance.now()` when a final transcript is emitted (the bench's debug line). */
  onFinal?: (at: number) => void;
}

/** Deepgram's plugin reports RECOGNITION_USAGE per 5 s of audio sent (agents-plugin-deepgram `PeriodicCollector`). */
const USAGE_PERIOD_S = 5;
const SAMPLE_RATE = 16_000;

export class StreamingCallerSTT extends stt.STT {
  label = 'bench.StreamingCallerSTT';
  readonly opts: Required<Omit<StreamingCallerSTTOptions, 'onFinal'>> & Pick<StreamingCallerSTTOptions, 'onFinal'>;

  constructor(opts: StreamingCallerSTTOptions) {
    super({ streaming: true, interimResults: false });
    this.opts = { hangoverMs: 60, voicedRms: 50, language: 'en', ...opts };
  }

  override get provider(): string {
    return 'bench';
  }

  override get model(): string {
    return 'streaming-scripted-caller';
  }

  protected async _recognize(_audio: AudioBuffer): Promise<stt.SpeechEvent> {
    throw new Error('StreamingCallerSTT only streams');
  }

  stream(options?: { connOptions?: APIConnectOptions }): stt.SpeechStream {
    return new StreamingCallerSpeechStream(this, options?.connOptions ?? DEFAULT_API_CONNECT_OPTIONS);
  }
}

class StreamingCallerSpeechStream extends stt.SpeechStream {
  label = 'bench.StreamingCallerSpeechStream';
  readonly #opts: StreamingCallerSTT['opts'];
  readonly #requestId = randomUUID();
  readonly #timers = new Set<NodeJS.Timeout>();
  /** Audio seen so far, in samples: the stream's own clock for startTime/endTime, as a provider reports them. */
  #samples = 0;
  #unreportedSamples = 0;
  #speaking = false;
  #utteranceStartSample = 0;
  #lastVoicedSample = 0;
  #lastVoicedAt = 0;

  constructor(owner: StreamingCallerSTT, connOptions: APIConnectOptions) {
    super(owner, SAMPLE_RATE, connOptions);
    this.#opts = owner.opts;
  }

  protected async run(): Promise<void> {
    for await (const item of this.input) {
      if (item === stt.SpeechStream.FLUSH_SENTINEL) {
        // As Deepgram's Finalize: whatever is pending is answered now.
        this.#endUtterance(0);
        this.#reportUsage();
        continue;
      }
      this.#onFrame(item);
    }
    this.#endUtterance(0);
    this.#reportUsage();
  }

  #onFrame(frame: AudioFrame): void {
    const data = frame.data;
    let sumSquares = 0;
    for (let i = 0; i < data.length; i++) sumSquares += data[i]! * data[i]!;
    const voiced = data.length > 0 && Math.sqrt(sumSquares / data.length) >= this.#opts.voicedRms;
    this.#samples += frame.samplesPerChannel;
    this.#unreportedSamples += frame.samplesPerChannel;
    if (voiced) {
      if (!this.#speaking) {
        this.#speaking = true;
        this.#utteranceStartSample = this.#samples - frame.samplesPerChannel;
        this.#put({ type: stt.SpeechEventType.START_OF_SPEECH });
      }
      this.#lastVoicedSample = this.#samples;
      this.#lastVoicedAt = performance.now();
    } else if (this.#speaking && ((this.#samples - this.#lastVoicedSample) / SAMPLE_RATE) * 1000 >= this.#opts.hangoverMs) {
      this.#endUtterance(this.#opts.latencyMs);
    }
    if (this.#unreportedSamples >= USAGE_PERIOD_S * SAMPLE_RATE) this.#reportUsage();
  }

  /** The utterance is over: FINAL_TRANSCRIPT then END_OF_SPEECH (Deepgram's order on `speech_final`), `latencyMs` after its last voiced frame. */
  #endUtterance(latencyMs: number): void {
    if (!this.#speaking) return;
    this.#speaking = false;
    const toSeconds = (sample: number) => this.startTimeOffset + sample / SAMPLE_RATE;
    const alternative: stt.SpeechData = {
      text: this.#opts.line,
      language: asLanguageCode(this.#opts.language),
      startTime: toSeconds(this.#utteranceStartSample),
      endTime: toSeconds(this.#lastVoicedSample),
      confidence: 1,
    };
    const emit = () => {
      this.#put({ type: stt.SpeechEventType.FINAL_TRANSCRIPT, requestId: this.#requestId, alternatives: [alternative] });
      this.#put({ type: stt.SpeechEventType.END_OF_SPEECH, requestId: this.#requestId });
      this.#opts.onFinal?.(performance.now());
    };
    const wait = this.#lastVoicedAt + latencyMs - performance.now();
    if (wait <= 0) return emit();
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      emit();
    }, wait);
    this.#timers.add(timer);
  }

  #reportUsage(): void {
    if (this.#unreportedSamples === 0) return;
    this.#put({ type: stt.SpeechEventType.RECOGNITION_USAGE, requestId: this.#requestId, recognitionUsage: { audioDuration: this.#unreportedSamples / SAMPLE_RATE } });
    this.#unreportedSamples = 0;
  }

  #put(ev: stt.SpeechEvent): void {
    if (!this.queue.closed) this.queue.put(ev);
  }

  override close(): void {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    super.close();
  }
}

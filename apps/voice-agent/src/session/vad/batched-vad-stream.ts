import { AsyncIterableQueue, ExpFilter, log, VADEventType, type VAD, type VADEvent } from '@livekit/agents';
import { AudioFrame, AudioResampler, AudioResamplerQuality } from '@livekit/rtc-node';
import type { SileroInference } from './inference';
import { MODEL_SAMPLE_RATE, WINDOW_MS, WINDOW_SAMPLES } from './inference.protocol';
import { PcmBuffer } from './pcm-buffer';
import { SpeechBuffer } from './speech-buffer';
import type { BatchedVadOptions } from './vad-options';
import { FLUSH, VadInput } from './vad-input';

/** As the plugin: inference more than 200 ms behind real time is logged. */
const SLOW_INFERENCE_MS = 200;

/**
 * One audio stream's voice activity, saying what @livekit/agents-plugin-silero 1.8.1's VADStream says — the same
 * events with the same fields, thresholds, padding and durations, computed the same way (the plugin's `vad.ts`,
 * ported line for line where it decides) — with the model run by SileroInference, batched with every other
 * stream's windows off the event loop, and the audio kept in linear buffers. Differences, all on purpose:
 * - a window runs as soon as 512 samples wait (the plugin under-counts the samples it carries over from the last
 *   window and so runs some windows a frame late);
 * - each speech event's frame is a copy of the speech buffer, not a view of it (the plugin's view is overwritten
 *   by the next utterance while the STT may still be reading it);
 * - no web streams inside (the framework's base stream adds an identity transform, a deferred stream and a tee).
 * The framework's `VADStream` class cannot be extended without its streams, so this one has its public shape.
 */
export class BatchedVadStream implements AsyncIterableIterator<VADEvent> {
  readonly #vad: VAD;
  readonly #inference: SileroInference;
  readonly #slot: number;
  readonly #input = new VadInput();
  readonly #output = new AsyncIterableQueue<VADEvent>();
  readonly #onClose: () => void;
  #opts: BatchedVadOptions;
  #closed = false;
  #inputClosed = false;

  // Per input sample rate, set by the first frame.
  #inputRate = 0;
  #speech: SpeechBuffer | null = null;
  #pending: PcmBuffer | null = null;
  #inference16k: PcmBuffer | null = null;
  #resampler: AudioResampler | null = null;

  // The plugin's loop state ("pub" values are the ones the events expose).
  #expFilter = new ExpFilter(0.35);
  #pubSpeaking = false;
  #pubSpeechDuration = 0;
  #pubSilenceDuration = 0;
  #pubCurrentSample = 0;
  #pubTimestamp = 0;
  #speechThreshold = 0;
  #silenceThreshold = 0;
  #copyRemainder = 0;
  #extraInferenceTime = 0;
  #speechStarts = 0;
  #inferenceMsSinceMetrics = 0;

  constructor(vad: VAD, inference: SileroInference, opts: BatchedVadOptions, onClose: () => void) {
    this.#vad = vad;
    this.#inference = inference;
    this.#opts = opts;
    this.#onClose = onClose;
    this.#slot = inference.acquire();
    void this.#run();
  }

  updateInputStream(audio: ReadableStream<AudioFrame>): void {
    this.#input.attach(audio);
  }

  detachInputStream(): void {
    this.#input.detach();
  }

  /** @deprecated as in the framework: use `updateInputStream`. */
  pushFrame(frame: AudioFrame): void {
    this.#assertOpen();
    this.#input.push(frame);
  }

  /** A hard segment boundary: speech and silence so far are forgotten, and the model's state with them. */
  flush(): void {
    this.#assertOpen();
    this.#input.push(FLUSH);
  }

  endInput(): void {
    this.#assertOpen();
    this.#inputClosed = true;
    this.#input.end();
  }

  next(): Promise<IteratorResult<VADEvent>> {
    // As the framework's stream, whose close cancels its output: nothing more once closed, not even what waited.
    if (this.#closed) return Promise.resolve({ done: true, value: undefined });
    return this.#output.next();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#input.close();
    if (!this.#output.closed) this.#output.close();
    this.#onClose();
  }

  [Symbol.asyncIterator](): BatchedVadStream {
    return this;
  }

  updateOptions(opts: BatchedVadOptions): void {
    const oldMax = this.#opts.maxBufferedSpeech;
    this.#opts = opts;
    this.#speech?.resize(opts, opts.maxBufferedSpeech > oldMax);
  }

  /** The framework's logger, as the plugin's stream logs (asked for when needed, as it may not exist yet at load). */
  #logger(): ReturnType<typeof log> {
    return log();
  }

  #assertOpen(): void {
    if (this.#inputClosed) throw new Error('Input is closed');
    if (this.#closed) throw new Error('Stream is closed');
  }

  async #run(): Promise<void> {
    try {
      while (!this.#closed) {
        const item = await this.#input.read();
        if (item === null) break;
        if (item === FLUSH) {
          this.#reset();
          continue;
        }
        if (!this.#accept(item)) continue;
        while (!this.#closed && this.#inference16k!.length >= WINDOW_SAMPLES) await this.#window();
      }
    } catch (err) {
      // A window still out when the stream closed fails with the VAD's closing: nothing to report then.
      if (!this.#closed) this.#logger().error({ err }, 'Error in VAD inference task');
      this.close();
    } finally {
      this.#resampler?.close();
      this.#resampler = null;
      this.#inference.release(this.#slot);
    }
  }

  /** Takes a frame into the buffers; false for one at another sample rate than the first (dropped, as the plugin). */
  #accept(frame: AudioFrame): boolean {
    if (!this.#inputRate) {
      this.#inputRate = frame.sampleRate;
      this.#speech = new SpeechBuffer(this.#inputRate, this.#opts);
      // A window and a few frames; grown only if inference falls behind.
      this.#pending = new PcmBuffer(4 * Math.ceil((WINDOW_SAMPLES * this.#inputRate) / MODEL_SAMPLE_RATE));
      this.#inference16k = new PcmBuffer(4 * WINDOW_SAMPLES);
      this.#resampler = this.#newResampler();
    } else if (frame.sampleRate !== this.#inputRate) {
      this.#logger().error('a frame with a different sample rate was already published');
      return false;
    }
    this.#pending!.append(frame.data);
    if (!this.#resampler) this.#inference16k!.append(frame.data);
    else for (const out of this.#resampler.push(frame)) this.#inference16k!.append(out.data);
    return true;
  }

  #newResampler(): AudioResampler | null {
    // Silero runs at 16 kHz; other input is resampled for the model only (the events carry the input's own audio).
    return this.#inputRate && this.#inputRate !== MODEL_SAMPLE_RATE
      ? new AudioResampler(this.#inputRate, MODEL_SAMPLE_RATE, 1, AudioResamplerQuality.QUICK)
      : null;
  }

  /** One 32 ms window: the model, then the plugin's decisions, then the window's audio leaves the buffers. */
  async #window(): Promise<void> {
    const started = performance.now();
    const inference16k = this.#inference16k!;
    const pending = this.#pending!;
    const speech = this.#speech!;
    const raw = await this.#inference.infer(this.#slot, inference16k.data, 0);
    if (this.#closed) return;
    const p = this.#expFilter.apply(1, raw);

    this.#pubCurrentSample += WINDOW_SAMPLES;
    this.#pubTimestamp += WINDOW_MS;
    const toCopy = (WINDOW_SAMPLES * this.#inputRate) / MODEL_SAMPLE_RATE + this.#copyRemainder;
    const toCopyInt = Math.trunc(toCopy);
    this.#copyRemainder = toCopy - toCopyInt;
    // The input that this window covers (with resampling, the resampler may still hold a few samples of it).
    const covered = Math.min(toCopyInt, pending.length);

    if (!speech.append(pending.data.subarray(0, covered), toCopyInt)) {
      this.#logger().warn('maxBufferedSpeech reached, ignoring further data for the current speech input');
    }

    // Whole milliseconds, as the plugin (BigInt nanoseconds ÷ 10⁶). It includes the wait for the batch: the
    // session dates speech from it.
    const inferenceDuration = Math.trunc(performance.now() - started);
    this.#extraInferenceTime = Math.max(0, this.#extraInferenceTime + inferenceDuration - WINDOW_MS);
    if (this.#extraInferenceTime > SLOW_INFERENCE_MS) {
      this.#logger().child({ delay: this.#extraInferenceTime }).warn('VAD inference is slower than realtime');
    }
    if (this.#pubSpeaking) this.#pubSpeechDuration += WINDOW_MS;
    else this.#pubSilenceDuration += WINDOW_MS;

    // The event keeps its audio: a copy (1 KB per window), since the buffer is refilled by the next frame.
    const windowAudio = new Int16Array(pending.data.subarray(0, covered));
    this.#inferenceMsSinceMetrics += inferenceDuration;
    this.#send(VADEventType.INFERENCE_DONE, p, inferenceDuration, new AudioFrame(windowAudio, this.#inputRate, 1, covered), this.#silenceThreshold, this.#speechThreshold);

    if (p > this.#opts.activationThreshold) {
      this.#speechThreshold += WINDOW_MS;
      this.#silenceThreshold = 0;
      if (!this.#pubSpeaking && this.#speechThreshold >= this.#opts.minSpeechDuration) {
        this.#pubSpeaking = true;
        this.#pubSilenceDuration = 0;
        this.#pubSpeechDuration = this.#speechThreshold;
        this.#send(VADEventType.START_OF_SPEECH, p, inferenceDuration, speech.frame(), 0, 0);
        this.#countSpeechStart();
      }
    } else {
      this.#silenceThreshold += WINDOW_MS;
      this.#speechThreshold = 0;
      if (!this.#pubSpeaking) speech.keepPadding();
      if (this.#pubSpeaking && this.#silenceThreshold > this.#opts.minSilenceDuration) {
        this.#pubSpeaking = false;
        this.#pubSpeechDuration = 0;
        this.#pubSilenceDuration = this.#silenceThreshold;
        this.#send(VADEventType.END_OF_SPEECH, p, inferenceDuration, speech.frame(), 0, 0);
        speech.keepPadding();
      }
    }

    pending.consume(covered);
    inference16k.consume(WINDOW_SAMPLES);
  }

  #send(type: VADEventType, probability: number, inferenceDuration: number, frame: AudioFrame, rawAccumulatedSilence: number, rawAccumulatedSpeech: number): void {
    if (this.#closed) return;
    this.#output.put({
      type,
      samplesIndex: this.#pubCurrentSample,
      timestamp: this.#pubTimestamp,
      silenceDuration: this.#pubSilenceDuration,
      speechDuration: this.#pubSpeechDuration,
      probability,
      inferenceDuration,
      frames: [frame],
      speaking: this.#pubSpeaking,
      rawAccumulatedSilence,
      rawAccumulatedSpeech,
    });
  }

  /**
   * The framework's base stream emits the VAD's `metrics_collected` from its output; it counts START_OF_SPEECH
   * events (not inferences) against one second's worth of windows, so it reports after every 31st utterance. Kept
   * as it is, so the session's metrics do not change.
   */
  #countSpeechStart(): void {
    if (++this.#speechStarts < 1000 / this.#vad.capabilities.updateInterval) return;
    const metrics = { type: 'vad_metrics' as const, timestamp: Date.now(), idleTimeMs: 0, inferenceDurationTotalMs: this.#inferenceMsSinceMetrics, inferenceCount: this.#speechStarts, label: this.#vad.label };
    this.#speechStarts = 0;
    this.#inferenceMsSinceMetrics = 0;
    this.#vad.emit('metrics_collected', metrics);
  }

  /** `flush()`: the plugin's resetState. */
  #reset(): void {
    this.#inference.reset(this.#slot);
    this.#expFilter = new ExpFilter(0.35);
    this.#speech?.clear();
    this.#pubSpeaking = false;
    this.#pubSpeechDuration = 0;
    this.#pubSilenceDuration = 0;
    this.#pubCurrentSample = 0;
    this.#pubTimestamp = 0;
    this.#speechThreshold = 0;
    this.#silenceThreshold = 0;
    this.#pending?.clear();
    this.#inference16k?.clear();
    this.#copyRemainder = 0;
    this.#extraInferenceTime = 0;
    this.#resampler?.close();
    this.#resampler = this.#newResampler();
  }
}

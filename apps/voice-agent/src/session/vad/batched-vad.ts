import { VAD, type VADStream } from '@livekit/agents';
import { BatchedVadStream } from './batched-vad-stream';
import { SileroInference, type SileroInferenceOptions } from './inference';
import { DEFAULT_VAD_OPTIONS, type BatchedVadOptions } from './vad-options';

export interface BatchedVadLoadOptions extends Partial<BatchedVadOptions> {
  /** The inference thread's settings (tests give their own thread starter or model path). */
  inference?: SileroInferenceOptions;
}

/**
 * Silero VAD for every call of a process, in place of @livekit/agents-plugin-silero's: the same model and the same
 * events (batched-vad-stream.ts), with inference batched across the process's streams on one worker thread
 * (inference.ts) instead of one synchronous run per stream and window on the event loop. Load it once per process
 * (the job's prewarm, the sandbox's media plane) and give it to every call. 16 kHz inference only (the plugin's
 * 8 kHz mode is not offered: the voice agent reads calls at 16 kHz or more).
 *
 * Batching pays only where calls share a process: a process with one call runs batches of one, as the plugin
 * did, but off its event loop.
 */
export class BatchedSileroVad extends VAD {
  readonly label = 'silero.VAD (batched)';
  readonly #inference: SileroInference;
  readonly #streams = new Set<BatchedVadStream>();
  #opts: BatchedVadOptions;

  static async load(opts: BatchedVadLoadOptions = {}): Promise<BatchedSileroVad> {
    const { inference, ...vadOpts } = opts;
    return new BatchedSileroVad(await SileroInference.start(inference), { ...DEFAULT_VAD_OPTIONS, ...vadOpts });
  }

  private constructor(inference: SileroInference, opts: BatchedVadOptions) {
    super({ updateInterval: 32 });
    this.#inference = inference;
    this.#opts = opts;
  }

  override get minSilenceDuration(): number {
    return this.#opts.minSilenceDuration;
  }

  /** Changes the options of this VAD and of every open stream, as the plugin's `updateOptions`. */
  updateOptions(opts: Partial<BatchedVadOptions>): void {
    this.#opts = { ...this.#opts, ...opts };
    for (const stream of this.#streams) stream.updateOptions(this.#opts);
  }

  /** A stream for one audio track. Typed as the framework's stream, whose class cannot be extended without its web streams. */
  stream(): VADStream {
    const stream: BatchedVadStream = new BatchedVadStream(this, this.#inference, this.#opts, () => this.#streams.delete(stream));
    this.#streams.add(stream);
    return stream as unknown as VADStream;
  }

  /** Ends every stream and the inference thread. */
  override async close(): Promise<void> {
    for (const stream of this.#streams) stream.close();
    await this.#inference.close();
  }
}

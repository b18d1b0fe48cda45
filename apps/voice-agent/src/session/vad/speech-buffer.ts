import { AudioFrame } from '@livekit/rtc-node';

/**
 * The audio of the utterance in progress, with the padding before it, at the input's rate: what the speech events
 * carry. One buffer for the stream's life (the plugin's `speechBuffer`, sized as it is): outside speech only the
 * last `prefixPadding` samples are kept, at its front.
 */
export class SpeechBuffer {
  readonly #rate: number;
  #data: Int16Array;
  #prefixPadding: number;
  #length = 0;
  #full = false;

  constructor(rate: number, opts: { prefixPaddingDuration: number; maxBufferedSpeech: number }) {
    this.#rate = rate;
    this.#prefixPadding = Math.trunc((opts.prefixPaddingDuration * rate) / 1000);
    this.#data = new Int16Array(Math.trunc((opts.maxBufferedSpeech * rate) / 1000) + this.#prefixPadding);
  }

  /**
   * Adds a window's input: `count` samples, of which `samples` holds what has arrived (with resampling, a few may
   * still be in the resampler; the plugin counts them as written all the same). False the first time it is full.
   */
  append(samples: Int16Array, count: number): boolean {
    const n = Math.min(count, this.#data.length - this.#length);
    if (n > 0) {
      this.#data.set(samples.subarray(0, Math.min(n, samples.length)), this.#length);
      this.#length += n;
      return true;
    }
    const first = !this.#full;
    this.#full = true;
    return !first;
  }

  /** A copy of the utterance so far: the plugin handed on a view, which the next utterance overwrote under its reader. */
  frame(): AudioFrame {
    return new AudioFrame(new Int16Array(this.#data.subarray(0, this.#length)), this.#rate, 1, this.#length);
  }

  /** Outside speech: keeps only the last `prefixPaddingDuration`, moved to the front. */
  keepPadding(): void {
    if (this.#length <= this.#prefixPadding) return;
    this.#data.copyWithin(0, this.#length - this.#prefixPadding, this.#length);
    this.#length = this.#prefixPadding;
    this.#full = false;
  }

  clear(): void {
    this.#length = 0;
    this.#full = false;
    this.#data.fill(0);
  }

  /** New options: the buffer is resized, keeping what fits (the plugin's `updateOptions`). */
  resize(opts: { prefixPaddingDuration: number; maxBufferedSpeech: number }, grew: boolean): void {
    this.#prefixPadding = Math.trunc((opts.prefixPaddingDuration * this.#rate) / 1000);
    const resized = new Int16Array(Math.trunc((opts.maxBufferedSpeech * this.#rate) / 1000) + this.#prefixPadding);
    resized.set(this.#data.subarray(0, Math.min(this.#data.length, resized.length)));
    this.#data = resized;
    this.#length = Math.min(this.#length, resized.length);
    if (grew) this.#full = false;
  }
}

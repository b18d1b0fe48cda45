import { AudioFrame } from '@livekit/rtc-node';

/**
 * Cuts a stream of audio frames into frames of exactly `frameMs` (the last one, at a change of format or at the end,
 * may be shorter): 10 ms frames are gathered three and a bit at a time, 20 ms frames split across two. Every sample
 * is handed on once and in order; a frame already of the size, with nothing waiting, is handed on as it is.
 */
export class FrameChunker {
  readonly #frameMs: number;
  #rate = 0;
  #channels = 0;
  /** Samples per frame out, all channels. */
  #size = 0;
  #buffer = new Int16Array(0);
  #length = 0;

  constructor(frameMs: number) {
    if (!(frameMs > 0)) throw new RangeError(`frameMs must be positive, not ${frameMs}`);
    this.#frameMs = frameMs;
  }

  /** The whole frames `frame` completes (none while less than one is waiting). */
  push(frame: AudioFrame): AudioFrame[] {
    const out: AudioFrame[] = [];
    if (frame.sampleRate !== this.#rate || frame.channels !== this.#channels) {
      const rest = this.flush();
      if (rest) out.push(rest);
      this.#rate = frame.sampleRate;
      this.#channels = frame.channels;
      this.#size = Math.max(1, Math.round((frame.sampleRate * this.#frameMs) / 1000)) * frame.channels;
      this.#buffer = new Int16Array(this.#size);
    }
    const data = frame.data.subarray(0, frame.samplesPerChannel * frame.channels);
    if (this.#length === 0 && data.length === this.#size) {
      out.push(frame);
      return out;
    }
    let offset = 0;
    while (offset < data.length) {
      const take = Math.min(this.#size - this.#length, data.length - offset);
      this.#buffer.set(data.subarray(offset, offset + take), this.#length);
      this.#length += take;
      offset += take;
      if (this.#length === this.#size) out.push(this.#take());
    }
    return out;
  }

  /** What is waiting, as a shorter frame; null if nothing is. */
  flush(): AudioFrame | null {
    if (this.#length === 0) return null;
    const frame = new AudioFrame(this.#buffer.slice(0, this.#length), this.#rate, this.#channels, this.#length / this.#channels);
    this.#length = 0;
    return frame;
  }

  /** The full buffer as a frame, which keeps it: the next frame's samples go into a new one. */
  #take(): AudioFrame {
    const frame = new AudioFrame(this.#buffer, this.#rate, this.#channels, this.#size / this.#channels);
    this.#buffer = new Int16Array(this.#size);
    this.#length = 0;
    return frame;
  }
}

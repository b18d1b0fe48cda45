/**
 * 16-bit samples waiting to be used, in one linear buffer: appended frame by frame, consumed from the front a
 * window at a time. Replaces the plugin's list of frames merged into a new array for every window: a sample is
 * copied in once, and what is left after a window (less than a frame) moves to the front. The buffer only grows
 * if more than its capacity waits at once (inference running behind), and then by doubling.
 */
export class PcmBuffer {
  #data: Int16Array;
  #length = 0;

  constructor(capacity: number) {
    this.#data = new Int16Array(capacity);
  }

  /** The samples waiting: `data[0 .. length)`. The array is reused; read it before the next append or consume. */
  get data(): Int16Array {
    return this.#data;
  }

  get length(): number {
    return this.#length;
  }

  append(samples: Int16Array): void {
    const need = this.#length + samples.length;
    if (need > this.#data.length) {
      let capacity = this.#data.length * 2;
      while (capacity < need) capacity *= 2;
      const grown = new Int16Array(capacity);
      grown.set(this.#data.subarray(0, this.#length));
      this.#data = grown;
    }
    this.#data.set(samples, this.#length);
    this.#length = need;
  }

  /** Drops the first `n` samples. */
  consume(n: number): void {
    const kept = this.#length - n;
    if (kept > 0) this.#data.copyWithin(0, n, this.#length);
    this.#length = Math.max(0, kept);
  }

  clear(): void {
    this.#length = 0;
  }
}

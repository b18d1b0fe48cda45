/**
 * The agent's speech between the network and the speakers. Frames arrive in bursts (the server sends a little ahead
 * of playout, and the network bunches them); the audio thread takes a render quantum at a time. Playback starts once
 * `prebuffer` samples are in, then plays without gaps while audio keeps coming; when it runs dry it plays silence and
 * waits for `prebuffer` again (a new utterance, or a network stall). Past `capacity` (a stalled tab, a clock that runs
 * slow) the oldest audio is dropped down to half the capacity at once: one jump instead of a latency that only grows.
 * Counts are in samples; plain TypeScript, allocation-free after construction.
 */
export class JitterBuffer {
  readonly capacity: number;
  readonly prebuffer: number;
  readonly #ring: Float32Array;
  #read = 0;
  #size = 0;
  #playing = false;
  /** Samples of silence played while audio short of `prebuffer` waited. */
  #waited = 0;
  /** Samples dropped over the cap, in total. */
  dropped = 0;
  /** Times playback ran dry: an utterance's end, or a stall in the middle of one. */
  underruns = 0;

  constructor(opts: { capacity: number; prebuffer: number }) {
    if (!(opts.capacity > 0 && opts.prebuffer > 0 && opts.prebuffer <= opts.capacity)) throw new RangeError('need 0 < prebuffer ≤ capacity');
    this.capacity = Math.ceil(opts.capacity);
    this.prebuffer = Math.ceil(opts.prebuffer);
    this.#ring = new Float32Array(this.capacity);
  }

  get buffered(): number {
    return this.#size;
  }

  get playing(): boolean {
    return this.#playing;
  }

  push(samples: Float32Array): void {
    let input = samples;
    if (input.length > this.capacity) {
      this.dropped += input.length - this.capacity;
      input = input.subarray(input.length - this.capacity);
    }
    if (this.#size + input.length > this.capacity) this.#discard(this.#size + input.length - Math.floor(this.capacity / 2));
    const cap = this.capacity;
    const write = (this.#read + this.#size) % cap;
    const first = Math.min(input.length, cap - write);
    this.#ring.set(input.subarray(0, first), write);
    this.#ring.set(input.subarray(first), 0);
    this.#size += input.length;
    if (!this.#playing && this.#size >= this.prebuffer) this.#start();
  }

  /** Fills `out` with what plays next (silence where there is none); returns how many samples were audio. */
  pull(out: Float32Array): number {
    if (!this.#playing && this.#size > 0) {
      // Less than `prebuffer` that stopped coming (an utterance's last words): played after a prebuffer's wait,
      // not held back until the next utterance.
      this.#waited += out.length;
      if (this.#waited >= this.prebuffer) this.#start();
    }
    if (!this.#playing) {
      out.fill(0);
      return 0;
    }
    const n = Math.min(out.length, this.#size);
    const cap = this.capacity;
    const first = Math.min(n, cap - this.#read);
    out.set(this.#ring.subarray(this.#read, this.#read + first), 0);
    out.set(this.#ring.subarray(0, n - first), first);
    this.#read = (this.#read + n) % cap;
    this.#size -= n;
    if (n < out.length) {
      out.fill(0, n);
      this.#playing = false;
      this.underruns++;
    }
    return n;
  }

  /** Drops everything waiting (the call ended, or the agent was interrupted). */
  clear(): void {
    this.#read = 0;
    this.#size = 0;
    this.#playing = false;
    this.#waited = 0;
  }

  #start(): void {
    this.#playing = true;
    this.#waited = 0;
  }

  #discard(n: number): void {
    const k = Math.min(n, this.#size);
    this.#read = (this.#read + k) % this.capacity;
    this.#size -= k;
    this.dropped += k;
  }
}

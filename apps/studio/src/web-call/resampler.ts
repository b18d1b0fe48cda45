/**
 * A streaming band-limited resampler for any pair of rates (48 kHz or 44.1 kHz microphones down to the call's 16 kHz,
 * and the agent's 16 kHz up to the speakers' rate). Each output sample is a Kaiser-windowed sinc filter over the
 * input, with its cut-off below the lower rate's Nyquist frequency: going down, what the lower rate cannot carry is
 * filtered out instead of folding back as aliasing; going up, the images above the source's band are removed.
 *
 * The filter's phases are tabulated once (PHASES per input sample, interpolated linearly between neighbours) and
 * each phase is normalised to unit gain at DC. Plain TypeScript with no DOM: it runs in the AudioWorklets and in Jest.
 * Steady state allocates nothing: `process` returns a view of an internal buffer, valid until the next call.
 */
export class Resampler {
  readonly inRate: number;
  readonly outRate: number;
  /** Input samples per output sample. */
  readonly #step: number;
  /** Taps each side of the centre, in input samples. */
  readonly #half: number;
  /** (PHASES + 1) rows of 2·half taps: row p is the filter for a fractional position p / PHASES. */
  readonly #table: Float32Array;
  /** Input not yet consumed, from the oldest sample a next output still needs. */
  #buf: Float32Array;
  #len: number;
  /** Position of the next output sample, in input samples from #buf[0]. */
  #pos: number;
  #out: Float32Array = new Float32Array(0);

  constructor(inRate: number, outRate: number, opts: { zeroCrossings?: number; rolloff?: number; beta?: number } = {}) {
    if (!(inRate > 0 && outRate > 0)) throw new RangeError(`sample rates must be positive (${inRate} → ${outRate})`);
    this.inRate = inRate;
    this.outRate = outRate;
    this.#step = inRate / outRate;
    // Cut-off in cycles per input sample: a little under the lower rate's Nyquist frequency, so that the
    // transition band ends about there.
    const cutoff = 0.5 * Math.min(1, outRate / inRate) * (opts.rolloff ?? 0.86);
    const zeroCrossings = opts.zeroCrossings ?? 16;
    this.#half = Math.ceil(zeroCrossings / (2 * cutoff));
    this.#table = kernelTable(cutoff, this.#half, opts.beta ?? 8.6);
    // The first output sits on the first input sample: half a filter of silence before it.
    this.#buf = new Float32Array(4096);
    this.#len = this.#half - 1;
    this.#pos = this.#half - 1;
  }

  /** How late the output is, in output samples: half the filter (it needs input this far ahead). */
  get delay(): number {
    return this.#half / this.#step;
  }

  /** The resampled signal for `input` (following every earlier input without a seam). */
  process(input: Float32Array): Float32Array {
    this.#append(input);
    const taps = 2 * this.#half;
    const maxOut = Math.max(0, Math.ceil((this.#len - this.#half - this.#pos) / this.#step) + 1);
    if (this.#out.length < maxOut) this.#out = new Float32Array(maxOut * 2);
    const out = this.#out;
    const buf = this.#buf;
    const table = this.#table;
    let n = 0;
    let pos = this.#pos;
    // The output at `pos` needs buf[i - half + 1 .. i + half], i = floor(pos).
    while (Math.floor(pos) + this.#half < this.#len) {
      const i = Math.floor(pos);
      const p = (pos - i) * PHASES;
      const row = Math.floor(p);
      const w = p - row;
      const a = row * taps;
      const b = a + taps;
      const first = i - this.#half + 1;
      let acc = 0;
      for (let j = 0; j < taps; j++) {
        const h = table[a + j]! + w * (table[b + j]! - table[a + j]!);
        acc += buf[first + j]! * h;
      }
      out[n++] = acc;
      pos += this.#step;
    }
    // Keep from the oldest sample the next output needs.
    const keepFrom = Math.max(0, Math.floor(pos) - this.#half + 1);
    buf.copyWithin(0, keepFrom, this.#len);
    this.#len -= keepFrom;
    this.#pos = pos - keepFrom;
    return out.subarray(0, n);
  }

  /** Forgets the signal so far (after a gap, the next input starts afresh). */
  reset(): void {
    this.#buf.fill(0, 0, this.#half - 1);
    this.#len = this.#half - 1;
    this.#pos = this.#half - 1;
  }

  #append(input: Float32Array): void {
    if (this.#len + input.length > this.#buf.length) {
      const bigger = new Float32Array(Math.max(this.#buf.length * 2, this.#len + input.length));
      bigger.set(this.#buf.subarray(0, this.#len));
      this.#buf = bigger;
    }
    this.#buf.set(input, this.#len);
    this.#len += input.length;
  }
}

/** Filter phases per input sample: with linear interpolation between them, far finer than 16-bit audio needs. */
const PHASES = 256;

/**
 * Row p: the taps for an output at fractional position f = p / PHASES past input sample i, applied to inputs
 * i - half + 1 … i + half, i.e. at distances d = f + half - 1 - j (j = 0 … 2·half - 1).
 */
function kernelTable(cutoff: number, half: number, beta: number): Float32Array {
  const taps = 2 * half;
  const table = new Float32Array((PHASES + 1) * taps);
  const i0beta = besselI0(beta);
  for (let p = 0; p <= PHASES; p++) {
    const f = p / PHASES;
    let sum = 0;
    for (let j = 0; j < taps; j++) {
      const d = f + half - 1 - j;
      const x = d / half;
      const window = Math.abs(x) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - x * x)) / i0beta;
      const h = 2 * cutoff * sinc(2 * cutoff * d) * window;
      table[p * taps + j] = h;
      sum += h;
    }
    // Unit gain at DC for every phase: no ripple from one output sample to the next on a steady signal.
    for (let j = 0; j < taps; j++) table[p * taps + j] = table[p * taps + j]! / sum;
  }
  return table;
}

const sinc = (x: number): number => (x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x));

/** The modified Bessel function of the first kind, order 0 (the Kaiser window), by its power series. */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  const q = (x * x) / 4;
  for (let k = 1; k < 50; k++) {
    term *= q / (k * k);
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

/**
 * The web call's audio on the wire (API.md "Web calls"): 16-bit little-endian PCM, mono, 16 kHz, both ways, sent as
 * 20 ms frames of 320 samples (640 bytes), one binary WebSocket message each. Plain TypeScript with no DOM: the
 * AudioWorklets and Jest both run it.
 */
export const CALL_AUDIO = { sampleRate: 16_000, frameSamples: 320, frameBytes: 640 } as const;

/**
 * `count` samples of `samples` from `offset` as 16-bit little-endian PCM. Web Audio's floats are nominally within
 * ±1 but may overshoot: anything beyond clips to the 16-bit range rather than wrapping around.
 */
export function floatToPcm16le(samples: Float32Array, offset = 0, count = samples.length - offset): ArrayBuffer {
  const bytes = new ArrayBuffer(count * 2);
  const view = new DataView(bytes);
  for (let i = 0; i < count; i++) view.setInt16(i * 2, toInt16(samples[offset + i]!), true);
  return bytes;
}

/** One float sample as a 16-bit value: ±1 is full scale, beyond it clips, NaN is silence. */
export function toInt16(s: number): number {
  if (!(s === s)) return 0;
  const v = Math.round(s < 0 ? s * 32768 : s * 32767);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/** 16-bit little-endian PCM as floats in [-1, 1). An odd trailing byte is ignored. */
export function pcm16leToFloat(data: ArrayBuffer | ArrayBufferView): Float32Array {
  const view = ArrayBuffer.isView(data) ? new DataView(data.buffer, data.byteOffset, data.byteLength) : new DataView(data);
  const out = new Float32Array(view.byteLength >> 1);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true) / 32768;
  return out;
}

/**
 * Cuts a stream of 16 kHz samples into whole 20 ms frames of PCM (640 bytes each, a buffer of its own, so it can be
 * transferred to another thread); samples short of a frame wait for the next push.
 */
export class PcmFramer {
  readonly #pending = new Float32Array(CALL_AUDIO.frameSamples);
  #filled = 0;

  push(samples: Float32Array, emit: (frame: ArrayBuffer) => void): void {
    const size = CALL_AUDIO.frameSamples;
    let at = 0;
    while (at < samples.length) {
      const take = Math.min(size - this.#filled, samples.length - at);
      this.#pending.set(samples.subarray(at, at + take), this.#filled);
      this.#filled += take;
      at += take;
      if (this.#filled === size) {
        emit(floatToPcm16le(this.#pending));
        this.#filled = 0;
      }
    }
  }
}

/** Peak and RMS of a block of samples (a level meter's and a test's measure). */
export function levels(samples: Float32Array): { peak: number; rms: number } {
  let peak = 0;
  let sumSquares = 0;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    const a = s < 0 ? -s : s;
    if (a > peak) peak = a;
    sumSquares += s * s;
  }
  return { peak, rms: samples.length ? Math.sqrt(sumSquares / samples.length) : 0 };
}

/** An RMS level as a meter position in [0, 1]: -60 dBFS and below is empty, 0 dBFS full. */
export function meterPosition(rms: number): number {
  if (rms <= 0) return 0;
  const db = 20 * Math.log10(rms);
  return Math.min(1, Math.max(0, (db + 60) / 60));
}

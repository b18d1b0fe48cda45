import { JitterBuffer } from '../src/web-call/jitter-buffer';
import { CALL_AUDIO, floatToPcm16le, levels, meterPosition, pcm16leToFloat, PcmFramer, toInt16 } from '../src/web-call/pcm';
import { Resampler } from '../src/web-call/resampler';

const sine = (hz: number, rate: number, seconds: number, amplitude: number) => Float32Array.from({ length: Math.round(rate * seconds) }, (_, n) => amplitude * Math.sin((2 * Math.PI * hz * n) / rate));

/** Runs `input` through `r` in render quanta of `chunk` samples, as the audio thread does. */
function resample(r: Resampler, input: Float32Array, chunk = 128): Float32Array {
  const parts: number[] = [];
  for (let at = 0; at < input.length; at += chunk) parts.push(...r.process(input.subarray(at, at + chunk)));
  return Float32Array.from(parts);
}

/** The amplitude of the `hz` component of `x` (Goertzel over the whole block). */
function amplitudeAt(x: Float32Array, hz: number, rate: number): number {
  const w = (2 * Math.PI * hz) / rate;
  let re = 0;
  let im = 0;
  for (let n = 0; n < x.length; n++) {
    re += x[n]! * Math.cos(w * n);
    im -= x[n]! * Math.sin(w * n);
  }
  return (2 * Math.hypot(re, im)) / x.length;
}

/** The middle of a resampled signal, away from the filter's start-up and the tail it still holds. */
const steady = (x: Float32Array, rate: number) => x.subarray(Math.round(rate * 0.05), x.length - Math.round(rate * 0.05));

describe('Resampler: band-limited, any ratio, streaming', () => {
  it('48 kHz → 16 kHz keeps a 1 kHz tone: same frequency, phase and amplitude, sample for sample', () => {
    const out = resample(new Resampler(48_000, 16_000), sine(1_000, 48_000, 1, 0.5));
    // Three input samples per output; the filter holds back only its last half-length.
    expect(out.length).toBeGreaterThan(15_900);
    expect(out.length).toBeLessThanOrEqual(16_000);
    let worst = 0;
    for (let n = 800; n < out.length - 800; n++) worst = Math.max(worst, Math.abs(out[n]! - 0.5 * Math.sin((2 * Math.PI * 1_000 * n) / 16_000)));
    expect(worst).toBeLessThan(0.002);
    const mid = steady(out, 16_000);
    expect(amplitudeAt(mid, 1_000, 16_000)).toBeCloseTo(0.5, 2);
    expect(levels(mid).peak).toBeCloseTo(0.5, 2);
  });

  it('48 kHz → 16 kHz removes a 10 kHz tone instead of folding it to 6 kHz (what dropping samples would do)', () => {
    const tone = sine(10_000, 48_000, 1, 0.5);
    const out = steady(resample(new Resampler(48_000, 16_000), tone), 16_000);
    expect(levels(out).rms).toBeLessThan(0.5 * Math.SQRT1_2 * 1e-3); // below -60 dB
    expect(amplitudeAt(out, 6_000, 16_000)).toBeLessThan(1e-3);
    // Every third sample of the same tone: a full-strength 6 kHz alias, which the filter is there to prevent.
    const dropped = tone.filter((_, i) => i % 3 === 0);
    expect(amplitudeAt(steady(dropped, 16_000), 6_000, 16_000)).toBeGreaterThan(0.45);
  });

  it('44.1 kHz → 16 kHz (a ratio that is not whole) keeps 1 kHz and removes 12 kHz', () => {
    const out = steady(resample(new Resampler(44_100, 16_000), sine(1_000, 44_100, 1, 0.8)), 16_000);
    expect(out.length).toBeGreaterThan(14_000);
    expect(amplitudeAt(out, 1_000, 16_000)).toBeCloseTo(0.8, 2);
    const high = steady(resample(new Resampler(44_100, 16_000), sine(12_000, 44_100, 1, 0.8)), 16_000);
    expect(levels(high).rms).toBeLessThan(1e-3);
  });

  it('16 kHz → 48 kHz keeps a 5 kHz tone and adds none of its images (11 kHz, 21 kHz)', () => {
    const out = steady(resample(new Resampler(16_000, 48_000), sine(5_000, 16_000, 1, 0.5), 320), 48_000);
    expect(out.length).toBeGreaterThan(40_000);
    expect(amplitudeAt(out, 5_000, 48_000)).toBeCloseTo(0.5, 2);
    expect(amplitudeAt(out, 11_000, 48_000)).toBeLessThan(1e-3);
    expect(amplitudeAt(out, 21_000, 48_000)).toBeLessThan(1e-3);
    // Holding each sample three times (no filter) would leave the 11 kHz image at about a third of the tone.
    const held = Float32Array.from({ length: 48_000 }, (_, n) => 0.5 * Math.sin((2 * Math.PI * 5_000 * Math.floor(n / 3)) / 16_000));
    expect(amplitudeAt(steady(held, 48_000), 11_000, 48_000)).toBeGreaterThan(0.1);
  });

  it('gives the same samples whatever the chunking: no seams between calls', () => {
    const input = sine(440, 48_000, 0.3, 0.7);
    const whole = new Resampler(48_000, 16_000).process(input).slice();
    const chunked = resample(new Resampler(48_000, 16_000), input, 37);
    expect(chunked.length).toBe(whole.length);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(whole[i]! - chunked[i]!));
    expect(worst).toBeLessThan(1e-6);
  });
});

describe('PCM framing and 16-bit conversion', () => {
  it('cuts any stream into 20 ms frames of exactly 320 samples (640 bytes), in order, keeping the remainder', () => {
    const framer = new PcmFramer();
    const frames: ArrayBuffer[] = [];
    const ramp = Float32Array.from({ length: 1_000 }, (_, i) => i / 32_768);
    framer.push(new Float32Array(0), (f) => frames.push(f));
    expect(frames).toHaveLength(0);
    let at = 0;
    for (const size of [1, 127, 300, 572]) {
      framer.push(ramp.subarray(at, at + size), (f) => frames.push(f));
      at += size;
    }
    expect(at).toBe(1_000);
    expect(frames).toHaveLength(3); // 960 samples framed, 40 waiting
    expect(frames.map((f) => f.byteLength)).toEqual([CALL_AUDIO.frameBytes, CALL_AUDIO.frameBytes, CALL_AUDIO.frameBytes]);
    const samples = frames.flatMap((f) => [...new Int16Array(f)]);
    expect(samples).toEqual(Array.from({ length: 960 }, (_, i) => i));
    framer.push(new Float32Array(280), (f) => frames.push(f));
    expect(frames).toHaveLength(4);
    expect(new Int16Array(frames[3]!).subarray(0, 40)).toEqual(Int16Array.from({ length: 40 }, (_, i) => 960 + i));
  });

  it('clips to the 16-bit range instead of wrapping, and maps ±1 to full scale', () => {
    expect([1.5, 1, 0.5, 0, -0.5, -1, -2, Number.NaN, 1e-6].map(toInt16)).toEqual([32767, 32767, 16384, 0, -16384, -32768, -32768, 0, 0]);
  });

  it('writes little-endian whatever the host, and reads it back', () => {
    const bytes = new Uint8Array(floatToPcm16le(Float32Array.of(0x0102 / 32767, -1)));
    expect([...bytes]).toEqual([0x02, 0x01, 0x00, 0x80]);
    const back = pcm16leToFloat(bytes);
    expect(back[0]).toBeCloseTo(0x0102 / 32768, 6);
    expect(back[1]).toBe(-1);
    // A view into a bigger buffer reads only its own bytes.
    expect([...pcm16leToFloat(new Uint8Array([9, 9, 0x00, 0x40, 9]).subarray(2, 4))]).toEqual([0.5]);
  });

  it('levels and the meter: -60 dBFS is empty, full scale full', () => {
    const l = levels(Float32Array.of(0.5, -0.8, 0.1));
    expect(l.peak).toBeCloseTo(0.8, 6);
    expect(l.rms).toBeCloseTo(Math.sqrt((0.25 + 0.64 + 0.01) / 3), 6);
    expect(meterPosition(0)).toBe(0);
    expect(meterPosition(0.001)).toBeCloseTo(0, 6);
    expect(meterPosition(0.0316)).toBeCloseTo(0.5, 2);
    expect(meterPosition(1)).toBe(1);
    expect(meterPosition(3)).toBe(1);
  });
});

describe('JitterBuffer', () => {
  const ramp = (from: number, n: number) => Float32Array.from({ length: n }, (_, i) => (from + i) / 1e5);

  it('waits for the prebuffer, then plays what arrives without a gap', () => {
    const jb = new JitterBuffer({ prebuffer: 300, capacity: 2_000 });
    const out = new Float32Array(128);
    jb.push(ramp(0, 200));
    expect(jb.pull(out)).toBe(0);
    expect(out.every((s) => s === 0)).toBe(true);
    const played: number[] = [];
    let next = 200;
    // 384-sample frames arrive every third 128-sample quantum: the output is the input, back to back.
    for (let q = 0; q < 60; q++) {
      if (q % 3 === 0) {
        jb.push(ramp(next, 384));
        next += 384;
      }
      expect(jb.pull(out)).toBe(128);
      played.push(...out);
    }
    expect(played).toEqual([...ramp(0, played.length)]);
    expect(jb.underruns).toBe(0);
    expect(jb.dropped).toBe(0);
  });

  it('running dry plays silence and waits for the prebuffer again', () => {
    const jb = new JitterBuffer({ prebuffer: 256, capacity: 2_000 });
    const out = new Float32Array(128);
    jb.push(ramp(1, 300));
    expect(jb.pull(out)).toBe(128);
    expect(jb.pull(out)).toBe(128);
    expect(jb.pull(out)).toBe(44);
    expect(out.subarray(44).every((s) => s === 0)).toBe(true);
    expect(jb.underruns).toBe(1);
    jb.push(ramp(1, 200));
    expect(jb.pull(out)).toBe(0); // 200 < 256: waiting
    jb.push(ramp(201, 100));
    expect(jb.pull(out)).toBe(128);
  });

  it('plays a short tail that stopped coming after one prebuffer of waiting', () => {
    const jb = new JitterBuffer({ prebuffer: 256, capacity: 2_000 });
    const out = new Float32Array(128);
    jb.push(ramp(1, 100));
    expect(jb.pull(out)).toBe(0);
    // 256 samples' worth of waiting (this quantum's included): it plays.
    expect(jb.pull(out)).toBe(100);
    expect(out[0]).toBeCloseTo(1e-5, 9);
  });

  it('past its capacity drops the oldest audio down to half the capacity', () => {
    const jb = new JitterBuffer({ prebuffer: 100, capacity: 1_000 });
    for (let i = 0; i < 4; i++) jb.push(ramp(i * 300, 300));
    // 1200 would be over 1000: the oldest 700 went, the newest 500 stay.
    expect(jb.buffered).toBe(500);
    expect(jb.dropped).toBe(700);
    const out = new Float32Array(500);
    expect(jb.pull(out)).toBe(500);
    expect(out[0]).toBeCloseTo(700 / 1e5, 9);
    expect(out[499]).toBeCloseTo(1_199 / 1e5, 9);
  });
});

import { AudioFrame } from '@livekit/rtc-node';
import { FrameChunker } from './frame-chunker';

/** `n` frames of `size` samples per channel, numbered so that every sample says where it came from. */
function frames(n: number, size: number, rate = 16_000, channels = 1, start = 0): AudioFrame[] {
  return Array.from({ length: n }, (_, f) => {
    const data = Int16Array.from({ length: size * channels }, (_, i) => (start + f * size * channels + i) % 32_000);
    return new AudioFrame(data, rate, channels, size);
  });
}

const samples = (fs: AudioFrame[]) => fs.flatMap((f) => Array.from(f.data.subarray(0, f.samplesPerChannel * f.channels)));

describe('FrameChunker', () => {
  it.each([
    [10, 160],
    [20, 320],
    [30, 480],
  ])('cuts %i ms frames into 32 ms ones, every sample once and in order', (_ms, size) => {
    const chunker = new FrameChunker(32);
    const input = frames(40, size);
    const out = input.flatMap((f) => chunker.push(f));
    const rest = chunker.flush();
    expect(out.every((f) => f.samplesPerChannel === 512 && f.sampleRate === 16_000 && f.channels === 1)).toBe(true);
    expect(out).toHaveLength(Math.floor((40 * size) / 512));
    expect(samples(rest ? [...out, rest] : out)).toEqual(samples(input));
  });

  it('hands on a frame already of the size as it is, and frames it cut in arrays of their own', () => {
    const chunker = new FrameChunker(32);
    const [whole] = frames(1, 512);
    expect(chunker.push(whole!)).toEqual([whole]);
    const cut = frames(7, 160).flatMap((f) => chunker.push(f));
    expect(cut).toHaveLength(2);
    // The STT may still hold the first when the second is cut: they do not share a buffer.
    expect(cut[0]!.data.buffer).not.toBe(cut[1]!.data.buffer);
    expect(chunker.flush()!.samplesPerChannel).toBe(7 * 160 - 2 * 512);
    expect(chunker.flush()).toBeNull();
  });

  it('keeps channels together and sizes frames by the rate', () => {
    const chunker = new FrameChunker(32);
    const input = frames(10, 480, 48_000, 2);
    const out = input.flatMap((f) => chunker.push(f));
    expect(out.map((f) => [f.samplesPerChannel, f.channels, f.data.length])).toEqual(new Array(3).fill([1536, 2, 3072]));
    expect(samples([...out, chunker.flush()!])).toEqual(samples(input));
  });

  it('hands on what waits before a frame of another rate, then cuts at the new one', () => {
    const chunker = new FrameChunker(32);
    const before = frames(2, 160, 16_000);
    const after = frames(4, 240, 24_000, 1, 1_000);
    const out = [...before, ...after].flatMap((f) => chunker.push(f));
    expect(out.map((f) => [f.sampleRate, f.samplesPerChannel])).toEqual([
      [16_000, 320],
      [24_000, 768],
    ]);
    expect(samples([...out, chunker.flush()!])).toEqual(samples([...before, ...after]));
  });

  it('refuses a frame length that is not positive', () => {
    expect(() => new FrameChunker(0)).toThrow(RangeError);
  });
});

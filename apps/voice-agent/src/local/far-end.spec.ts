import { initializeLogger } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { pollUntil } from '@callplane/testing';
import { PushAudioInput } from './audio-io';
import { FarEndAudio } from './far-end';

/** The session's input as the far end sees it, keeping what it was handed. */
class RecordingInput extends PushAudioInput {
  readonly frames: AudioFrame[] = [];
  override push(frame: AudioFrame): void {
    this.frames.push(frame);
  }
}

describe('FarEndAudio', () => {
  beforeAll(() => initializeLogger({ pretty: false, level: 'silent' }));

  it.each([10, 20, 40])('sends %i ms frames: what it was given to play, then silence', async (frameMs) => {
    const input = new RecordingInput();
    const far = new FarEndAudio(input, { frameMs });
    const played = Int16Array.from({ length: 1_000 }, (_, i) => (i % 200) - 100 || 1);
    far.play(played);
    far.start();
    const frameSamples = (16_000 * frameMs) / 1000;
    try {
      await pollUntil(() => input.frames.length * frameSamples >= played.length + frameSamples, { description: 'the played samples and a frame of silence' });
    } finally {
      far.stop();
    }
    expect(input.frames.every((f) => f.samplesPerChannel === frameSamples && f.sampleRate === 16_000 && f.channels === 1)).toBe(true);
    const all = Int16Array.from(input.frames.flatMap((f) => [...(f.data as Int16Array)]));
    expect(all.subarray(0, played.length)).toEqual(played);
    expect(all.subarray(played.length).every((x) => x === 0)).toBe(true);
  });

  it('with maxQueuedMs, a far end sending faster than real time loses its oldest audio, never growing the queue past the cap', async () => {
    const input = new RecordingInput();
    const far = new FarEndAudio(input, { maxQueuedMs: 100 });
    // Ten 20 ms frames at once, numbered by their samples: only the last 100 ms (frames 5–9) can wait.
    for (let n = 0; n < 10; n++) {
      far.play(new Int16Array(320).fill(n + 1));
      expect(far.queuedSamples).toBeLessThanOrEqual(1_600);
    }
    far.start();
    try {
      await pollUntil(() => input.frames.length >= 6, { description: 'the queued audio and a frame of silence' });
    } finally {
      far.stop();
    }
    expect(input.frames.slice(0, 6).map((f) => (f.data as Int16Array)[0])).toEqual([6, 7, 8, 9, 10, 0]);
    expect(far.queuedSamples).toBe(0);
  });

  describe('live (a browser streaming its microphone)', () => {
    const FRAME = 320;
    const frame = (n: number) => new Int16Array(FRAME).fill(n);
    const firstSamples = (input: RecordingInput) => input.frames.map((f) => (f.data as Int16Array)[0]);
    let input: RecordingInput;
    let far: FarEndAudio;

    beforeEach(() => {
      jest.useFakeTimers({ now: 1_000_000 });
      input = new RecordingInput();
    });
    afterEach(() => {
      far.stop();
      jest.useRealTimers();
    });

    it('a stall that made the schedule fill silence before the late frames were read leaves no lasting delay', () => {
      far = new FarEndAudio(input, { maxQueuedMs: 1_000, liveJitterMs: 60 });
      far.start();
      // Steady: each frame is on the line as it arrives, nothing filled in.
      for (let n = 1; n <= 10; n++) {
        jest.advanceTimersByTime(20);
        far.play(frame(n));
      }
      expect(firstSamples(input)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
      // The event loop stalls 300 ms; the schedule runs first and fills the gap, then the 15 frames sent meanwhile are read.
      jest.setSystemTime(Date.now() + 300);
      jest.advanceTimersToNextTimer();
      const filled = input.frames.length - 10;
      expect(filled).toBeGreaterThan(0);
      expect(firstSamples(input).slice(10).every((x) => x === 0)).toBe(true);
      for (let n = 11; n <= 25; n++) far.play(frame(n));
      expect(far.queuedSamples).toBe(0);
      // From then on every frame is again on the line when it arrives, and no silence is added while the source sends.
      for (let n = 26; n <= 125; n++) {
        jest.advanceTimersByTime(20);
        const before = input.frames.length;
        far.play(frame(n));
        expect(firstSamples(input).slice(before)).toEqual([n]);
        expect(far.queuedSamples).toBe(0);
      }
    });

    it('the same stall on a simulated line (not live) leaves the late frames waiting behind the silence', () => {
      far = new FarEndAudio(input, { maxQueuedMs: 1_000 });
      far.start();
      jest.setSystemTime(Date.now() + 300);
      jest.advanceTimersToNextTimer();
      for (let n = 1; n <= 15; n++) far.play(frame(n));
      jest.advanceTimersByTime(200);
      expect(far.queuedSamples).toBeGreaterThan(0);
    });

    it('a source that stops sending gets silence on its line once its frames are later than the jitter allows', () => {
      far = new FarEndAudio(input, { maxQueuedMs: 1_000, liveJitterMs: 60 });
      far.start();
      jest.advanceTimersByTime(20);
      far.play(frame(7));
      jest.advanceTimersByTime(40);
      expect(firstSamples(input)).toEqual([7]);
      jest.advanceTimersByTime(200);
      // 260 ms elapsed, the line is kept to 60 ms behind it: 20 ms of audio, then silence.
      expect(input.frames.length).toBe(10);
      expect(firstSamples(input).slice(1).every((x) => x === 0)).toBe(true);
    });

    it('a source faster than real time runs the line ahead by at most the cap, then loses its oldest audio', () => {
      far = new FarEndAudio(input, { maxQueuedMs: 100, liveJitterMs: 60 });
      far.start();
      for (let n = 1; n <= 20; n++) far.play(frame(n));
      // 100 ms ahead of real time went on the line; of the rest, only the newest 100 ms waits.
      expect(firstSamples(input)).toEqual([1, 2, 3, 4, 5]);
      expect(far.queuedSamples).toBe(1_600);
      jest.advanceTimersByTime(100);
      expect(firstSamples(input)).toEqual([1, 2, 3, 4, 5, 16, 17, 18, 19, 20]);
    });
  });

  it('refuses a frame length that is not a whole number of samples', () => {
    expect(() => new FarEndAudio(new RecordingInput(), { frameMs: 0.01 })).toThrow(/whole number of samples/);
  });
});

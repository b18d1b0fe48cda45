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

  it('refuses a frame length that is not a whole number of samples', () => {
    expect(() => new FarEndAudio(new RecordingInput(), { frameMs: 0.01 })).toThrow(/whole number of samples/);
  });
});

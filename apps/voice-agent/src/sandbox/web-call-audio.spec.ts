import { initializeLogger, voice } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { PacedPcmOutput } from './web-call-audio';

const frameOf = (samples: number, value: number) => new AudioFrame(new Int16Array(samples).fill(value), 16_000, 1, samples);

describe('PacedPcmOutput (the agent\'s speech to a web call\'s browser)', () => {
  beforeAll(() => initializeLogger({ pretty: false, level: 'silent' }));

  it('sends 640-byte little-endian frames, each no earlier than the lead before it plays, and pads the last one with silence', async () => {
    const sent: Array<{ at: number; frame: Buffer }> = [];
    const out = new PacedPcmOutput((frame) => sent.push({ at: Date.now(), frame }), { leadMs: 100 });
    const start = Date.now();
    // Half a second of speech in 100 ms captures (as the framework hands it over), then 100 samples more.
    for (let i = 0; i < 5; i++) await out.captureFrame(frameOf(1_600, i + 1));
    await out.captureFrame(frameOf(100, -2));
    out.flush();

    expect(sent.map((s) => s.frame.length)).toEqual(Array(26).fill(640));
    // Frame k of capture c plays 100·c ms after the start: it was not sent before 100·c − 100 ms (1 ms of clock slack).
    sent.slice(0, 25).forEach((s, k) => expect(s.at - start).toBeGreaterThanOrEqual(100 * Math.floor(k / 5) - 100 - 1));
    expect(sent.slice(0, 25).map((s) => s.frame.readInt16LE(0))).toEqual([1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5]);
    const last = sent[25]!.frame;
    expect([last.readInt16LE(0), last.readInt16LE(198), last.readInt16LE(200), last.readInt16LE(638)]).toEqual([-2, -2, 0, 0]);
  });

  it('an interruption drops the audio still waiting for its turn: it is never sent, and the segment ends interrupted', async () => {
    const sent: Buffer[] = [];
    const out = new PacedPcmOutput((frame) => sent.push(frame), { leadMs: 0 });
    const finished: voice.PlaybackFinishedEvent[] = [];
    out.on(voice.AudioOutput.EVENT_PLAYBACK_FINISHED, (ev: voice.PlaybackFinishedEvent) => finished.push(ev));
    await out.captureFrame(frameOf(16_000, 1)); // a second of speech: sent at once
    expect(sent).toHaveLength(50);
    const waiting = out.captureFrame(frameOf(1_600, 2)); // plays a second from now: waits for its turn
    await new Promise((resolve) => setImmediate(resolve));
    out.clearBuffer();
    await waiting;
    expect(sent).toHaveLength(50);
    expect(sent.every((f) => f.readInt16LE(0) === 1)).toBe(true);
    expect(finished).toEqual([expect.objectContaining({ interrupted: true })]);
    // After the interruption the next speech goes out at once, on a fresh clock.
    await out.captureFrame(frameOf(320, 3));
    expect(sent.at(-1)!.readInt16LE(0)).toBe(3);
    out.flush();
  });
});

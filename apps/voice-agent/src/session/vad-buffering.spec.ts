/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { initializeLogger, mergeFrames, VADEventType, type VAD, type VADEvent, type VADStream } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AudioFrame } from '@livekit/rtc-node';
import { closeEspeak, espeakSamples } from '../local/espeak-tts';
import { toFrames } from '../local/synthetic-voice';
import { countAllocations } from './typed-array-allocations.test-harness';

/**
 * @livekit/agents 1.8.1's `mergeFrames` rebuilt its output with a boxed spread of everything merged so far, once per
 * frame: merging k frames copied O(k²) samples through a JS array (livekit/agents-js#1995; fix proposed in #2081,
 * not released). Silero's VAD stream calls it twice per 32 ms window, for as long as a call lasts, on the 2–5 frames
 * waiting for that window: flat over an utterance, but 2–3× the copying, all of it boxed; after the model itself it
 * was the VAD's largest cost. `patches/@livekit+agents+1.8.1.patch` copies each frame once into one buffer;
 * `patches/@livekit+agents-plugin-silero+1.8.1.patch` refills one Float32 window per stream instead of allocating
 * one (and calling a function per sample) every window. Both are applied by patch-package at install. The
 * allocation specs fail without them; the events spec pins what the VAD said before them.
 */
const RATE = 16_000;
/** LiveKit's room audio comes in 10 ms frames. */
const FRAME = RATE / 100;
/** Silero's window at 16 kHz. */
const WINDOW = 512;
const LINE = 'How much does it cost? I would like to know the price, please.';


/** Pushes `audio` in 10 ms frames and reads `windows` of the stream's inference windows, with every other event. */
async function runVad(stream: VADStream, audio: Int16Array, windows: number): Promise<{ inference: VADEvent[]; speech: VADEvent[] }> {
  for (const frame of toFrames(audio, RATE, 10)) stream.pushFrame(frame);
  const inference: VADEvent[] = [];
  const speech: VADEvent[] = [];
  for await (const ev of stream) {
    if (ev.type === VADEventType.INFERENCE_DONE) {
      inference.push(ev);
      if (inference.length === windows) break;
    } else if (ev.type !== VADEventType.METRICS_COLLECTED) speech.push(ev);
  }
  return { inference, speech };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

describe('Silero VAD buffering (patched @livekit/agents and plugin-silero 1.8.1)', () => {
  let vad: VAD;
  let line: Int16Array;

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: 'silent' });
    vad = await silero.VAD.load({ minSilenceDuration: 400 });
    line = await espeakSamples(LINE, RATE);
  });

  afterAll(async () => {
    await vad.close();
    await closeEspeak();
  });

  it('mergeFrames copies each sample once: the 300th frame of an utterance costs what the 10th does', () => {
    const perFrame = (n: number) => {
      const frames = Array.from({ length: n }, (_, i) => new AudioFrame(new Int16Array(FRAME).fill(i), RATE, 1, FRAME));
      const count = countAllocations();
      try {
        const merged = mergeFrames(frames);
        expect(merged.samplesPerChannel).toBe(n * FRAME);
        expect([merged.data[0], merged.data[FRAME], merged.data[n * FRAME - 1]]).toEqual([0, 1, n - 1]);
      } finally {
        count.restore();
      }
      return count.int16 / n;
    };
    // Samples allocated per frame merged (unpatched: 880 and 24,080).
    expect([perFrame(10), perFrame(300)]).toEqual([FRAME, FRAME]);
  });

  it('mergeFrames keeps all of a frame whose samplesPerChannel under-reports its data, as before', () => {
    // Silero carries a window's remainder as a frame declaring half its samples; the merge must still copy them all.
    const carried = new AudioFrame(Int16Array.from([1, 2, 3, 4]), RATE, 1, 2);
    const merged = mergeFrames([carried, new AudioFrame(Int16Array.from([5, 6]), RATE, 1, 2)]);
    expect(Array.from(merged.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(merged.samplesPerChannel).toBe(4);
  });

  it('allocates as much per 32 ms window at the end of a 31 s utterance as at its start, copying the waiting audio once', async () => {
    // The line eight times back to back is one utterance to the VAD (its pauses are shorter than 400 ms).
    const utterance = new Int16Array(line.length * 8 + RATE);
    for (let i = 0; i < 8; i++) utterance.set(line, i * line.length);
    const stream = vad.stream();
    // The allocation counts at each window's INFERENCE_DONE: between two of them lies the next window's work.
    const marks: Array<{ int16: number; float32: number }> = [];
    const hooked = stream as unknown as { sendVADEvent(ev: VADEvent): boolean };
    const send = hooked.sendVADEvent.bind(stream);
    const count = countAllocations();
    hooked.sendVADEvent = (ev) => {
      if (ev.type === VADEventType.INFERENCE_DONE) marks.push({ int16: count.int16, float32: count.float32 });
      return send(ev);
    };
    let speech: VADEvent[];
    try {
      ({ speech } = await runVad(stream, utterance, Math.floor(utterance.length / WINDOW) - 4));
    } finally {
      count.restore();
      stream.close();
    }
    expect(speech.map((e) => VADEventType[e.type])).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH']);
    const [start, end] = speech.map((e) => e.timestamp / 32) as [number, number];
    expect(end - start).toBeGreaterThan(900);

    const perWindow = marks.slice(1).map((m, i) => ({ int16: m.int16 - marks[i]!.int16, float32: m.float32 - marks[i]!.float32 }));
    // 10 ms frames and 32 ms windows line up every 5 windows: compare whole cycles, 1 s into the utterance and 1 s before its end.
    const early = perWindow.slice(start + 30, start + 60);
    const late = perWindow.slice(end - 60, end - 30);
    const pcm = (ws: typeof perWindow) => ws.map((w) => w.int16);
    expect(sum(pcm(late))).toBe(sum(pcm(early)));
    // Each window merges what waits for it (the window, at most one frame more) twice, for the model and for the
    // speech buffer; the quadratic merge copied two to three times that (unpatched: up to 3,520 samples).
    expect(Math.max(...pcm(early), ...pcm(late))).toBeLessThanOrEqual(2 * (WINDOW + FRAME));
    // The model's Float32 input is refilled in place (unpatched: a new 512-sample window and context every window).
    expect(sum([...early, ...late].map((w) => w.float32))).toBe(0);
  });

  it('says what it said before the patch about a real line: start and end of speech, their durations, every window', async () => {
    // 1 s of silence, the line (3.9 s), 2 s of silence.
    const audio = new Int16Array(RATE + line.length + 2 * RATE);
    audio.set(line, RATE);
    const stream = vad.stream();
    let result: Awaited<ReturnType<typeof runVad>>;
    try {
      result = await runVad(stream, audio, Math.floor(audio.length / WINDOW) - 4);
    } finally {
      stream.close();
    }
    const { inference, speech } = result;
    expect(line.length).toBe(62_572);
    expect(
      speech.map((e) => ({
        type: VADEventType[e.type],
        samplesIndex: e.samplesIndex,
        timestamp: e.timestamp,
        speechDuration: e.speechDuration,
        silenceDuration: e.silenceDuration,
        samples: e.frames[0]!.samplesPerChannel,
      })),
    ).toEqual([
      // Speech 64 ms above the threshold; its frame is the 500 ms of padding before it and the speech so far.
      { type: 'START_OF_SPEECH', samplesIndex: 18_432, timestamp: 1152, speechDuration: 64, silenceDuration: 0, samples: 9024 },
      // 416 ms under the threshold (> 400 ms); its frame is the whole utterance with its padding.
      { type: 'END_OF_SPEECH', samplesIndex: 80_896, timestamp: 5056, speechDuration: 0, silenceDuration: 416, samples: 71_488 },
    ]);
    expect(speech[0]!.probability).toBeCloseTo(0.924219, 5);
    expect(speech[1]!.probability).toBeCloseTo(0.004053, 5);
    // The window that ends the speech still reports it: the 64 ms that started it, then 32 ms a window.
    const atEnd = inference.find((e) => e.samplesIndex === speech[1]!.samplesIndex)!;
    expect([atEnd.speaking, atEnd.speechDuration]).toEqual([true, 64 + (5056 - 1152)]);
    // Every window hands on the audio it covered: together, the input, every sample once and in order.
    expect(inference).toHaveLength(211);
    const covered = new Int16Array(sum(inference.map((e) => e.frames[0]!.samplesPerChannel)));
    let at = 0;
    for (const e of inference) {
      covered.set(e.frames[0]!.data, at);
      at += e.frames[0]!.samplesPerChannel;
    }
    expect(covered.length).toBe(211 * WINDOW);
    expect(Buffer.from(covered.buffer).equals(Buffer.from(audio.buffer, 0, covered.byteLength))).toBe(true);
  });
});

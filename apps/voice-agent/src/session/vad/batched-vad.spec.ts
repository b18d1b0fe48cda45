/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import type { Worker } from 'node:worker_threads';
import { initializeLogger, VADEventType, type VAD, type VADEvent, type VADStream } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { dispose } from '@livekit/rtc-node';
import { closeEspeak, espeakSamples } from '../../local/espeak-tts';
import { toFrames, voiceSamples } from '../../local/synthetic-voice';
import { BatchedSileroVad } from './batched-vad';
import { startInferenceWorker, VadInferenceError, type SileroInferenceOptions, type StartInferenceWorker } from './inference';
import type { RunBatch } from './inference.protocol';
import { countAllocations } from '../typed-array-allocations.test-harness';

const WINDOW = 512;
const LINES = ['How much does it cost? I would like to know the price, please.', 'Yes, that works for me. Thank you, goodbye.'];
const OPTS = { minSilenceDuration: 400 };

interface Heard {
  inference: VADEvent[];
  speech: VADEvent[];
}

/** 1 s of silence, `line`, 2 s of silence: what a caller's turn sounds like to the VAD. */
function turn(line: Int16Array, rate: number): Int16Array {
  const audio = new Int16Array(rate + line.length + 2 * rate);
  audio.set(line, rate);
  return audio;
}

/** Pushes `audio` in `frameMs` frames and reads `windows` inference windows with every speech event among them. */
async function hear(stream: VADStream, audio: Int16Array, rate: number, windows: number, onWindow?: (n: number) => void | Promise<void>): Promise<Heard> {
  for (const frame of toFrames(audio, rate, 10)) stream.pushFrame(frame);
  const heard: Heard = { inference: [], speech: [] };
  for await (const ev of stream) {
    if (ev.type === VADEventType.INFERENCE_DONE) {
      heard.inference.push(ev);
      await onWindow?.(heard.inference.length);
      if (heard.inference.length === windows) break;
    } else if (ev.type !== VADEventType.METRICS_COLLECTED) heard.speech.push(ev);
  }
  return heard;
}

/** What the Silero plugin hears (one stream, batch of one, on the event loop). It may run its last windows late, so it is read 4 short. */
async function pluginHears(plugin: VAD, audio: Int16Array, rate: number): Promise<Heard> {
  const stream = plugin.stream();
  try {
    return await hear(stream, audio, rate, windowsIn(audio, rate) - 4);
  } finally {
    stream.close();
  }
}

const windowsIn = (audio: Int16Array, rate: number) => Math.floor((audio.length * 16_000) / rate / WINDOW);

const speechShape = (events: VADEvent[]) =>
  events.map((e) => ({ type: VADEventType[e.type], speechDuration: e.speechDuration, silenceDuration: e.silenceDuration, samples: e.frames[0]!.samplesPerChannel }));

/** Every window's probability matches, window by window, over what the plugin heard (within `tolerance`). */
function expectSameProbabilities(ours: VADEvent[], theirs: VADEvent[], tolerance = 1e-4): void {
  expect(ours.length).toBeGreaterThanOrEqual(theirs.length);
  expect(ours.slice(0, theirs.length).map((e) => e.samplesIndex)).toEqual(theirs.map((e) => e.samplesIndex));
  const worst = Math.max(...theirs.map((e, i) => Math.abs(e.probability - ours[i]!.probability)));
  expect(worst).toBeLessThan(tolerance);
}

/** A thread starter that records the threads and the size of every batch sent to them. */
function recordingStarter(): { start: StartInferenceWorker; workers: Worker[]; batches: number[] } {
  const workers: Worker[] = [];
  const batches: number[] = [];
  const start: StartInferenceWorker = (data) => {
    const worker = startInferenceWorker(data);
    const post = worker.postMessage.bind(worker);
    worker.postMessage = (msg: RunBatch) => {
      batches.push(msg.slots.length);
      post(msg);
    };
    workers.push(worker);
    return worker;
  };
  return { start, workers, batches };
}

describe('BatchedSileroVad (Silero on an inference thread, batched across streams)', () => {
  let plugin: VAD;
  let lines16k: Int16Array[];
  const open: VAD[] = [];

  const load = async (inference?: SileroInferenceOptions) => {
    const vad = await BatchedSileroVad.load({ ...OPTS, inference });
    open.push(vad);
    return vad;
  };

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: 'silent' });
    plugin = await silero.VAD.load(OPTS);
    lines16k = await Promise.all(LINES.map((l) => espeakSamples(l, 16_000)));
  });

  afterEach(async () => {
    await Promise.all(open.splice(0).map((v) => v.close()));
  });

  afterAll(async () => {
    await plugin.close();
    await closeEspeak();
    // Resampling started rtc-node's native client, which keeps the process alive until disposed.
    await dispose();
  });

  it('says what the Silero plugin says about a real line: the same speech events and probabilities, every window', async () => {
    const vad = await load();
    const audio = turn(lines16k[0]!, 16_000);
    const theirs = await pluginHears(plugin, audio, 16_000);
    const stream = vad.stream();
    const ours = await hear(stream, audio, 16_000, windowsIn(audio, 16_000));
    stream.close();
    expect(speechShape(theirs.speech).map((e) => e.type)).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH']);
    expect(speechShape(ours.speech)).toEqual(speechShape(theirs.speech));
    ours.speech.forEach((e, i) => {
      expect(Math.abs(e.samplesIndex - theirs.speech[i]!.samplesIndex)).toBeLessThanOrEqual(WINDOW);
      expect(e.timestamp).toBe(theirs.speech[i]!.timestamp);
    });
    expectSameProbabilities(ours.inference, theirs.inference);
    // Each window hands on the audio it covered, as the plugin's: together, the input, every sample once.
    const covered = Buffer.concat(ours.inference.map((e) => Buffer.from(e.frames[0]!.data.buffer, e.frames[0]!.data.byteOffset, e.frames[0]!.data.byteLength)));
    expect(covered.equals(Buffer.from(audio.buffer, 0, covered.byteLength))).toBe(true);
    // The speech event's frame is the utterance with its 500 ms padding, as the plugin's.
    expect(ours.speech[1]!.frames[0]!.samplesPerChannel).toBe(theirs.speech[1]!.frames[0]!.samplesPerChannel);
  });

  it('resamples 24 kHz input for the model as the plugin does, and hands on the input at its own rate', async () => {
    const vad = await load();
    const audio = turn(await espeakSamples(LINES[1]!, 24_000), 24_000);
    const theirs = await pluginHears(plugin, audio, 24_000);
    const stream = vad.stream();
    const ours = await hear(stream, audio, 24_000, windowsIn(audio, 24_000) - 1);
    stream.close();
    // rtc-node's QUICK resampler dithers: two of them given the same input differ by ±1 in ≈ 40 % of their samples,
    // so the plugin differs from itself run to run: the same events within one window, probabilities within 0.1.
    expect(ours.speech.map((e) => VADEventType[e.type])).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH']);
    expect(theirs.speech.map((e) => VADEventType[e.type])).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH']);
    ours.speech.forEach((e, i) => {
      expect(Math.abs(e.samplesIndex - theirs.speech[i]!.samplesIndex)).toBeLessThanOrEqual(WINDOW);
      expect(Math.abs(e.frames[0]!.samplesPerChannel - theirs.speech[i]!.frames[0]!.samplesPerChannel)).toBeLessThanOrEqual((WINDOW * 3) / 2);
      expect(e.frames[0]!.sampleRate).toBe(24_000);
    });
    expectSameProbabilities(ours.inference, theirs.inference, 0.1);
  });

  it('batches windows of concurrent streams and gives each the probabilities it would get alone', async () => {
    const recorder = recordingStarter();
    const vad = await load({ startWorker: recorder.start });
    // Four callers saying different things, starting at different points.
    const audios = [turn(lines16k[0]!, 16_000), turn(lines16k[1]!, 16_000), voiceSamples(4_000, 16_000), turn(lines16k[1]!, 16_000).subarray(3_000)];
    const alone: Heard[] = [];
    for (const audio of audios) alone.push(await pluginHears(plugin, audio, 16_000));
    const streams = audios.map(() => vad.stream());
    const together = await Promise.all(streams.map((s, i) => hear(s, audios[i]!, 16_000, windowsIn(audios[i]!, 16_000))));
    streams.forEach((s) => s.close());
    together.forEach((heard, i) => {
      expectSameProbabilities(heard.inference, alone[i]!.inference);
      expect(speechShape(heard.speech)).toEqual(speechShape(alone[i]!.speech));
    });
    expect(Math.max(...recorder.batches)).toBeGreaterThan(1);
    expect(recorder.batches.reduce((a, b) => a + b, 0)).toBe(together.reduce((n, h) => n + h.inference.length, 0));
  });

  it('a stream closed while its window is in a batch leaves the other streams as they would be alone', async () => {
    const vad = await load();
    const audios = [turn(lines16k[0]!, 16_000), turn(lines16k[1]!, 16_000)];
    const alone = await Promise.all(audios.map(async (a) => pluginHears(plugin, a, 16_000)));
    const [keep, leave, keepToo] = [vad.stream(), vad.stream(), vad.stream()];
    const left = hear(leave, audios[0]!, 16_000, windowsIn(audios[0]!, 16_000), (n) => {
      // Its next window is already queued or running with the others' when it closes.
      if (n === 20) leave.close();
    });
    const [a, b] = await Promise.all([hear(keep, audios[0]!, 16_000, windowsIn(audios[0]!, 16_000)), hear(keepToo, audios[1]!, 16_000, windowsIn(audios[1]!, 16_000))]);
    expect((await left).inference).toHaveLength(20);
    expect(await leave.next()).toEqual({ done: true, value: undefined });
    expectSameProbabilities(a.inference, alone[0]!.inference);
    expectSameProbabilities(b.inference, alone[1]!.inference);
    keep.close();
    keepToo.close();
    // Its slot is free again and starts from zero: a new stream hears the line as a first stream would.
    const again = vad.stream();
    const heard = await hear(again, audios[1]!, 16_000, windowsIn(audios[1]!, 16_000));
    again.close();
    expectSameProbabilities(heard.inference, alone[1]!.inference);
  });

  it('does as much per window at the end of a 31 s utterance as at its start, allocating only the event audio', async () => {
    const vad = await load();
    // The line eight times back to back is one utterance to the VAD (its pauses are shorter than 400 ms).
    const line = lines16k[0]!;
    const utterance = new Int16Array(line.length * 8 + 16_000);
    for (let i = 0; i < 8; i++) utterance.set(line, i * line.length);
    const stream = vad.stream();
    const count = countAllocations();
    const marks: Array<{ int16: number; float32: number }> = [];
    let heard: Heard;
    try {
      heard = await hear(stream, utterance, 16_000, windowsIn(utterance, 16_000), () => void marks.push({ int16: count.int16, float32: count.float32 }));
    } finally {
      count.restore();
      stream.close();
    }
    expect(heard.speech.map((e) => VADEventType[e.type])).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH']);
    const [start, end] = heard.speech.map((e) => e.samplesIndex / WINDOW) as [number, number];
    expect(end - start).toBeGreaterThan(900);
    const perWindow = marks.slice(1).map((m, i) => ({ int16: m.int16 - marks[i]!.int16, float32: m.float32 - marks[i]!.float32 }));
    const early = perWindow.slice(start + 30, start + 60);
    const late = perWindow.slice(end - 60, end - 30);
    // The window's own audio, copied for its event (the buffers themselves are reused), and nothing else.
    expect([...early, ...late].map((w) => w.int16)).toEqual(new Array(60).fill(WINDOW));
    // The model's Float32 input is written into shared memory for the inference thread, never allocated here.
    expect(sum([...early, ...late].map((w) => w.float32))).toBe(0);
  });

  it('restarts an inference thread that dies, and every stream goes on to the end of its audio', async () => {
    const recorder = recordingStarter();
    const vad = await load({ startWorker: recorder.start });
    const audios = [turn(lines16k[0]!, 16_000), turn(lines16k[1]!, 16_000)];
    const streams = audios.map(() => vad.stream());
    const heard = await Promise.all(
      streams.map((s, i) => hear(s, audios[i]!, 16_000, windowsIn(audios[i]!, 16_000), i === 0 ? async (n) => void (n === 3 && (await recorder.workers[0]!.terminate())) : undefined)),
    );
    streams.forEach((s) => s.close());
    expect(recorder.workers).toHaveLength(2);
    heard.forEach((h, i) => expect(h.inference).toHaveLength(windowsIn(audios[i]!, 16_000)));
    // The first caller still has its line heard: its state restarted from zero in the second of silence before it
    // (the thread is killed at its third window; it dies a few windows later, still well before the line).
    expect(heard[0]!.speech.map((e) => VADEventType[e.type])).toEqual(['START_OF_SPEECH', 'END_OF_SPEECH']);
  });

  it('ends its streams, and refuses new ones, when the inference thread dies again before answering', async () => {
    const recorder = recordingStarter();
    let started = 0;
    const vad = await load({
      startWorker: (data) => {
        const worker = recorder.start(data);
        // The restarted thread dies at once, as one whose model crashes it would.
        if (++started === 2) void worker.terminate();
        return worker;
      },
    });
    const stream = vad.stream();
    const audio = turn(lines16k[0]!, 16_000);
    const heard = await hear(stream, audio, 16_000, windowsIn(audio, 16_000), async (n) => void (n === 5 && (await recorder.workers[0]!.terminate())));
    // The stream ended after the windows answered before the thread died, instead of hanging on the next one.
    expect(heard.inference.length).toBeLessThan(windowsIn(audio, 16_000));
    expect(await stream.next()).toEqual({ done: true, value: undefined });
    expect(() => vad.stream()).toThrow(VadInferenceError);
  });

  it('fails to load, saying why, when the model cannot be loaded', async () => {
    await expect(BatchedSileroVad.load({ inference: { modelPath: '/nonexistent/silero_vad.onnx' } })).rejects.toThrow(/Silero VAD model could not be loaded/);
  });
});

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);


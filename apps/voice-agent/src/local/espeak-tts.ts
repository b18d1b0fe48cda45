import { tts, type APIConnectOptions } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/** What espeak-ng writes: 16-bit mono WAV at 22.05 kHz. */
export const ESPEAK_SAMPLE_RATE = 22_050;

/**
 * The npm `espeak-ng` package is an ES module (Emscripten, `import.meta.url`) around an 18 MB WASM binary
 * with the voice data embedded; its `main` runs once per instance. It runs in one worker thread per process:
 * `import()` of an ES module works there under Jest too (Jest's own module system cannot load it), the WASM is
 * compiled once and instantiated per utterance (~120 ms for a sentence on one core), and synthesis does not
 * block the event loop that paces call audio. The worker is unref'd: it never keeps the process alive.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { readFileSync } = require('node:fs');
let loaded;
const load = () =>
  (loaded ??= (async () => {
    const { default: ESpeakNG } = await import(workerData.moduleUrl);
    const wasm = await WebAssembly.compile(readFileSync(workerData.wasmPath));
    return { ESpeakNG, wasm };
  })());
parentPort.on('message', async ({ id, text, args }) => {
  try {
    const { ESpeakNG, wasm } = await load();
    const errors = [];
    const es = await ESpeakNG({
      arguments: [...args, '-w', '/out.wav', '-f', '/in.txt'],
      preRun: [(m) => m.FS.writeFile('/in.txt', text)],
      print: () => {},
      printErr: (line) => errors.push(line),
      instantiateWasm: (imports, done) => {
        WebAssembly.instantiate(wasm, imports).then((instance) => done(instance), (err) => parentPort.postMessage({ id, error: String(err) }));
        return {};
      },
    });
    let wav;
    try {
      wav = es.FS.readFile('/out.wav').slice();
    } catch {
      throw new Error('espeak-ng wrote no audio' + (errors.length ? ': ' + errors.join(' ') : ''));
    }
    parentPort.postMessage({ id, wav }, [wav.buffer]);
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.stack) || err) });
  }
});
`;

interface Pending {
  resolve: (wav: Uint8Array) => void;
  reject: (err: Error) => void;
}

let worker: Worker | null = null;
let nextId = 0;
const pending = new Map<number, Pending>();

function espeakWorker(): Worker {
  if (worker) return worker;
  const moduleFile = require.resolve('espeak-ng');
  const w = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { moduleUrl: pathToFileURL(moduleFile).href, wasmPath: path.join(path.dirname(moduleFile), 'espeak-ng.wasm') },
  });
  w.unref();
  w.on('message', (msg: { id: number; wav?: Uint8Array; error?: string }) => {
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.wav) p.resolve(msg.wav);
    else p.reject(new Error(`espeak-ng: ${msg.error ?? 'no audio'}`));
  });
  const fail = (err: Error) => {
    if (worker === w) worker = null;
    for (const p of pending.values()) p.reject(err);
    pending.clear();
  };
  w.on('error', fail);
  w.on('exit', (code) => fail(new Error(`espeak-ng worker exited (${code})`)));
  worker = w;
  return w;
}

/** Stops the synthesis worker (tests; a process exits without it). The next synthesis starts a new one. */
export async function closeEspeak(): Promise<void> {
  const w = worker;
  worker = null;
  if (w) await w.terminate();
}

export interface EspeakOptions {
  /** espeak-ng voice, e.g. `en-us` (default), `en`, `en-us+f3`. */
  voice?: string;
  /** Words per minute (espeak's default 175). */
  wordsPerMinute?: number;
}

/** Renders `text` with espeak-ng (WASM) to a 22.05 kHz mono 16-bit WAV file's bytes. */
export function espeakWav(text: string, opts: EspeakOptions = {}): Promise<Uint8Array> {
  const args = ['-v', opts.voice ?? 'en-us'];
  if (opts.wordsPerMinute) args.push('-s', String(Math.round(opts.wordsPerMinute)));
  const w = espeakWorker();
  const id = nextId++;
  return new Promise<Uint8Array>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    w.postMessage({ id, text, args });
  });
}

/** The samples and rate of a PCM16 WAV (mono, or the first channel). */
export function parseWav(bytes: Uint8Array): { samples: Int16Array; sampleRate: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (at: number) => String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
  if (bytes.byteLength < 12 || tag(0) !== 'RIFF' || tag(8) !== 'WAVE') throw new Error('not a WAV file');
  let sampleRate = 0;
  let channels = 1;
  for (let at = 12; at + 8 <= bytes.byteLength; ) {
    const id = tag(at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ') {
      if (view.getUint16(body, true) !== 1 || view.getUint16(body + 14, true) !== 16) throw new Error('WAV is not 16-bit PCM');
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
    } else if (id === 'data') {
      // espeak may leave a placeholder size when it streams; the data runs to the end of the file then.
      const end = Math.min(bytes.byteLength, body + size);
      const all = new Int16Array(Math.floor((end - body) / 2));
      for (let i = 0; i < all.length; i++) all[i] = view.getInt16(body + 2 * i, true);
      if (channels === 1) return { samples: all, sampleRate };
      const mono = new Int16Array(Math.floor(all.length / channels));
      for (let i = 0; i < mono.length; i++) mono[i] = all[i * channels]!;
      return { samples: mono, sampleRate };
    }
    at = body + size + (size % 2);
  }
  throw new Error('WAV has no data chunk');
}

/** A mono 16-bit PCM WAV file. */
export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + samples.byteLength, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(samples.byteLength, 40);
  return Buffer.concat([header, Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength)]);
}

// Module-level bindings: under Jest every global lookup (Math.*) in a hot loop goes through the VM context's
// interceptor and costs ~30x more.
const { sin, cos, PI, ceil, floor, min, max, round } = Math;

/**
 * Sample-rate conversion by windowed-sinc interpolation (Hann window, 16 zero crossings a side), with the
 * cut-off at the lower of the two Nyquist frequencies so downsampling does not alias. Enough for speech.
 */
export function resample(input: Int16Array, from: number, to: number): Int16Array {
  if (from === to) return input.slice();
  const n = floor((input.length * to) / from);
  const out = new Int16Array(n);
  const step = from / to;
  const cutoff = min(1, to / from);
  const half = ceil(16 / cutoff);
  const last = input.length - 1;
  for (let i = 0; i < n; i++) {
    const centre = i * step;
    const lo = max(0, ceil(centre - half));
    const hi = min(last, floor(centre + half));
    let acc = 0;
    for (let j = lo; j <= hi; j++) {
      const d = j - centre;
      const x = PI * d * cutoff;
      const sinc = x === 0 ? 1 : sin(x) / x;
      acc += input[j]! * sinc * (0.5 + 0.5 * cos((PI * d) / (half + 1)));
    }
    out[i] = max(-32768, min(32767, round(acc * cutoff)));
  }
  return out;
}

/** espeak-ng speech at `sampleRate`, as 16-bit mono samples. */
export async function espeakSamples(text: string, sampleRate: number, opts: EspeakOptions = {}): Promise<Int16Array> {
  const wav = parseWav(await espeakWav(text, opts));
  return resample(wav.samples, wav.sampleRate, sampleRate);
}

export interface EspeakTTSOptions extends EspeakOptions {
  /** Output rate; the session's audio output resamples anything else. Default 24 kHz, like the hosted TTS plugins. */
  sampleRate?: number;
}

/**
 * Local TTS with real words: espeak-ng compiled to WASM (npm `espeak-ng`), no network, no account. espeak
 * renders 22.05 kHz; frames come out at `sampleRate` (default 24 kHz), 20 ms each. Non-streaming: the
 * framework wraps it in its sentence StreamAdapter, so each sentence is synthesised as soon as the LLM ends it.
 */
export class EspeakTTS extends tts.TTS {
  label = 'local.EspeakTTS';
  readonly #opts: EspeakOptions;

  constructor(opts: EspeakTTSOptions = {}) {
    super(opts.sampleRate ?? 24_000, 1, { streaming: false });
    this.#opts = { voice: opts.voice, wordsPerMinute: opts.wordsPerMinute };
  }

  override get provider(): string {
    return 'local';
  }

  override get model(): string {
    return 'espeak-ng';
  }

  get voice(): string {
    return this.#opts.voice ?? 'en-us';
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    return new EspeakStream(text, this, this.#opts, connOptions, abortSignal);
  }

  stream(): tts.SynthesizeStream {
    throw new Error('EspeakTTS is non-streaming; AgentSession wraps it in tts.StreamAdapter');
  }
}

class EspeakStream extends tts.ChunkedStream {
  label = 'local.EspeakStream';
  readonly #tts: EspeakTTS;
  readonly #opts: EspeakOptions;

  constructor(text: string, owner: EspeakTTS, opts: EspeakOptions, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, owner, connOptions, abortSignal);
    this.#tts = owner;
    this.#opts = opts;
  }

  protected async run(): Promise<void> {
    const text = this.inputText.trim();
    if (!text) return;
    const rate = this.#tts.sampleRate;
    const samples = await espeakSamples(text, rate, this.#opts);
    if (this.abortSignal.aborted) return;
    const size = rate / 50;
    const requestId = randomUUID();
    for (let off = 0; off < samples.length; off += size) {
      const chunk = samples.slice(off, Math.min(off + size, samples.length));
      const final = off + size >= samples.length;
      this.queue.put({ requestId, segmentId: requestId, frame: new AudioFrame(chunk, rate, 1, chunk.length), final, deltaText: off === 0 ? text : undefined });
    }
  }
}

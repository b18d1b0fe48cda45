import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { log } from '@livekit/agents';
import { WINDOW_SAMPLES, type InferenceReply, type InferenceWorkerData, type RunBatch } from './inference.protocol';

/** Why a window got no probability: the inference thread could not load the model, died twice running, or was closed. */
export class VadInferenceError extends Error {
  override readonly name = 'VadInferenceError';
}

export type StartInferenceWorker = (data: InferenceWorkerData) => Worker;

export interface SileroInferenceOptions {
  /** How many VAD streams can be open at once (each holds 2 KB of shared window and 1.3 KB of state). Default 1024. */
  capacity?: number;
  /** Default: the model the Silero plugin ships. */
  modelPath?: string;
  /** Default: inference.worker.ts under tsx and in tests, the `vad-inference.js` bundle beside a built service. */
  startWorker?: StartInferenceWorker;
}

interface Waiter {
  resolve(probability: number): void;
  reject(err: Error): void;
}

/**
 * The main thread's side of Silero inference for every VAD stream in the process: each stream holds a slot, hands
 * in a window and awaits its probability; windows wait while a batch runs on the inference thread and go together
 * as the next one. So the batch sizes itself by load — one window at a time when calls are few, a window from most
 * calls per batch when the process is busy (a batch of 32 costs the model ≈ 5× less per window than 32 runs) — and
 * the model never runs on the event loop.
 *
 * One inference thread per process: it runs one batch at a time, as the model's own session is single-threaded;
 * a process of calls that keep it busy has outgrown one core anyway. If the thread dies after it has answered, it
 * is started again and the windows it had are run there (their streams' state starts from zero: a glitch, not a
 * dead call); if it dies before answering, or cannot load the model, every waiting window fails with
 * VadInferenceError and so do later ones (the streams end, no call hangs on them).
 */
export class SileroInference {
  readonly capacity: number;
  readonly #data: InferenceWorkerData;
  readonly #windows: Float32Array;
  readonly #probabilities: Float32Array;
  readonly #startWorker: StartInferenceWorker;
  readonly #free: number[];
  readonly #fresh: Uint8Array;
  readonly #waiters: Array<Waiter | undefined>;
  #queue: number[] = [];
  #batch: number[] | null = null;
  #batchId = 0;
  #scheduled = false;
  #worker: Worker | null = null;
  #ready = false;
  #answered = false;
  #broken: VadInferenceError | null = null;
  #closed = false;
  #started: { resolve(): void; reject(err: Error): void } | null = null;

  /** Starts the inference thread and resolves once it has loaded the model. */
  static async start(opts: SileroInferenceOptions = {}): Promise<SileroInference> {
    const inference = new SileroInference(opts);
    await inference.#spawn();
    return inference;
  }

  private constructor(opts: SileroInferenceOptions) {
    this.capacity = opts.capacity ?? 1024;
    const windows = new SharedArrayBuffer(this.capacity * WINDOW_SAMPLES * Float32Array.BYTES_PER_ELEMENT);
    const probabilities = new SharedArrayBuffer(this.capacity * Float32Array.BYTES_PER_ELEMENT);
    this.#data = { modelPath: opts.modelPath ?? sileroModelPath(), capacity: this.capacity, windows, probabilities };
    this.#windows = new Float32Array(windows);
    this.#probabilities = new Float32Array(probabilities);
    this.#startWorker = opts.startWorker ?? startInferenceWorker;
    this.#free = Array.from({ length: this.capacity }, (_, i) => this.capacity - 1 - i);
    this.#fresh = new Uint8Array(this.capacity);
    this.#waiters = new Array<Waiter | undefined>(this.capacity);
  }

  /** A slot for a new stream, its state zeroed before its first window. */
  acquire(): number {
    if (this.#broken) throw this.#broken;
    const slot = this.#free.pop();
    if (slot === undefined) throw new VadInferenceError(`all ${this.capacity} VAD inference slots are in use`);
    this.#fresh[slot] = 1;
    return slot;
  }

  /** The stream is done with its slot (after its last window came back). */
  release(slot: number): void {
    this.#free.push(slot);
  }

  /** The slot's state and context start from zero at its next window (a flushed stream). */
  reset(slot: number): void {
    this.#fresh[slot] = 1;
  }

  /** Silero's speech probability for `pcm[offset .. offset + 512)` (16 kHz), following the slot's earlier windows. */
  infer(slot: number, pcm: Int16Array, offset: number): Promise<number> {
    if (this.#broken) return Promise.reject(this.#broken);
    const window = this.#windows;
    const base = slot * WINDOW_SAMPLES;
    for (let i = 0; i < WINDOW_SAMPLES; i++) window[base + i] = pcm[offset + i]! / 32767;
    return new Promise<number>((resolve, reject) => {
      this.#waiters[slot] = { resolve, reject };
      this.#queue.push(slot);
      this.#schedule();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#fail(new VadInferenceError('the VAD was closed'));
    const worker = this.#worker;
    this.#worker = null;
    await worker?.terminate();
  }

  #spawn(): Promise<void> {
    this.#ready = false;
    this.#answered = false;
    const worker = this.#startWorker(this.#data);
    this.#worker = worker;
    // The calls keep the process alive, not the VAD they share.
    worker.unref();
    let lastError: Error | undefined;
    worker.on('message', (msg: InferenceReply) => this.#onReply(msg));
    worker.on('error', (err) => (lastError = err));
    worker.on('exit', (code) => {
      if (this.#worker === worker) this.#onExit(code, lastError);
    });
    return new Promise<void>((resolve, reject) => (this.#started = { resolve, reject }));
  }

  #onReply(msg: InferenceReply): void {
    switch (msg.type) {
      case 'ready':
        this.#ready = true;
        this.#started?.resolve();
        this.#started = null;
        this.#schedule();
        return;
      case 'broken':
        this.#fail(new VadInferenceError(`the Silero VAD model could not be loaded (${this.#data.modelPath}): ${msg.message}`));
        return;
      case 'done':
      case 'failed': {
        const slots = this.#batch;
        if (!slots || msg.id !== this.#batchId) return;
        this.#batch = null;
        this.#answered = true;
        const err = msg.type === 'failed' ? new VadInferenceError(`Silero inference failed: ${msg.message}`) : null;
        for (const slot of slots) {
          const waiter = this.#waiters[slot];
          this.#waiters[slot] = undefined;
          if (err) waiter?.reject(err);
          else waiter?.resolve(this.#probabilities[slot]!);
        }
        this.#schedule();
        return;
      }
    }
  }

  #onExit(code: number, err: Error | undefined): void {
    this.#worker = null;
    if (this.#closed || this.#broken) return;
    const why = `the Silero inference thread exited (code ${code}${err ? `: ${err.message}` : ''})`;
    if (!this.#ready || !this.#answered) {
      this.#fail(new VadInferenceError(`${why} before answering`));
      return;
    }
    // Its windows go first on the new thread, every stream's state from zero (the new thread starts with none).
    // The framework's logger (ours once routed, agents-log.ts), asked for when needed: it may not exist at load.
    log().warn({ code, err }, 'Silero inference thread died; restarting it');
    if (this.#batch) this.#queue = [...this.#batch, ...this.#queue];
    this.#batch = null;
    this.#spawn().catch(() => undefined);
  }

  #fail(err: VadInferenceError): void {
    this.#broken ??= err;
    this.#started?.reject(err);
    this.#started = null;
    const waiting = [...(this.#batch ?? []), ...this.#queue];
    this.#batch = null;
    this.#queue = [];
    for (const slot of waiting) {
      const waiter = this.#waiters[slot];
      this.#waiters[slot] = undefined;
      waiter?.reject(err);
    }
  }

  #schedule(): void {
    if (this.#scheduled || this.#batch || !this.#ready || this.#queue.length === 0) return;
    this.#scheduled = true;
    // Windows that become ready in the same turn of the event loop (frames of several calls delivered together) go
    // in one batch.
    setImmediate(() => this.#dispatch());
  }

  #dispatch(): void {
    this.#scheduled = false;
    const worker = this.#worker;
    if (this.#batch || !this.#ready || !worker || this.#queue.length === 0) return;
    const slots = this.#queue;
    this.#queue = [];
    const fresh = slots.filter((slot) => this.#fresh[slot] === 1);
    for (const slot of fresh) this.#fresh[slot] = 0;
    this.#batch = slots;
    worker.postMessage({ type: 'run', id: ++this.#batchId, slots, fresh } satisfies RunBatch);
  }
}

/** The model file the Silero plugin ships (the same one its VAD loads). */
export function sileroModelPath(): string {
  return path.join(path.dirname(require.resolve('@livekit/agents-plugin-silero')), 'silero_vad.onnx');
}

/** The inference thread: the TypeScript entry under tsx and in tests, the bundle beside a built service. */
export function startInferenceWorker(data: InferenceWorkerData): Worker {
  if (path.extname(__filename) === '.ts') {
    return new Worker(path.join(__dirname, 'inference.worker.ts'), { workerData: data, execArgv: ['--require', 'tsx/cjs'] });
  }
  return new Worker(path.join(__dirname, 'vad-inference.js'), { workerData: data });
}


/**
 * What the main thread and the Silero inference thread (inference.worker.ts) say to each other. The audio does not
 * travel in the messages: each stream owns a slot of two SharedArrayBuffers, the main thread writes the slot's
 * window, the inference thread its probability; a message only names the slots of a batch.
 */

/** Silero v5 at 16 kHz: 512 new samples per window, each run also given the previous window's last 64. */
export const MODEL_SAMPLE_RATE = 16_000;
export const WINDOW_SAMPLES = 512;
/** A window's length, ms (32). */
export const WINDOW_MS = (WINDOW_SAMPLES / MODEL_SAMPLE_RATE) * 1000;
export const CONTEXT_SAMPLES = 64;
/** The model's recurrent state per stream: [2, batch, 128]. */
export const STATE_WIDTH = 128;

/** Handed to the inference thread at start (`workerData`). */
export interface InferenceWorkerData {
  modelPath: string;
  /** How many streams can hold a slot at once. */
  capacity: number;
  /** Float32 [capacity × WINDOW_SAMPLES]: each slot's window, in [-1, 1]. */
  windows: SharedArrayBuffer;
  /** Float32 [capacity]: each slot's last probability (before the stream's smoothing). */
  probabilities: SharedArrayBuffer;
}

/** Main thread → inference thread. */
export interface RunBatch {
  type: 'run';
  id: number;
  slots: number[];
  /** Slots whose state and context start from zero before this window (a new stream, or one that was flushed). */
  fresh: number[];
}

/** Inference thread → main thread. */
export type InferenceReply =
  | { type: 'ready' }
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; message: string }
  /** The model could not be loaded; the thread ends. */
  | { type: 'broken'; message: string };

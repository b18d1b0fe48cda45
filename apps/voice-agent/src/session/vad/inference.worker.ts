/**
 * The Silero inference thread: one per process, owning the model's ONNX session, running the windows of every call
 * in the process as one batch. It keeps each stream's recurrent state and context by slot, so a window is all that
 * crosses threads. Started by SileroInference (inference.ts); built as its own bundle beside the service's.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import {
  CONTEXT_SAMPLES, MODEL_SAMPLE_RATE, STATE_WIDTH, WINDOW_SAMPLES, type InferenceReply, type InferenceWorkerData, type RunBatch,
} from './inference.protocol';

const INPUT = CONTEXT_SAMPLES + WINDOW_SAMPLES;
const STATE = 2 * STATE_WIDTH;

async function main(port: NonNullable<typeof parentPort>, data: InferenceWorkerData): Promise<void> {
  const windows = new Float32Array(data.windows);
  const probabilities = new Float32Array(data.probabilities);
  const states = new Float32Array(data.capacity * STATE);
  const contexts = new Float32Array(data.capacity * CONTEXT_SAMPLES);
  // As the plugin's own session (onnx_model.ts): one thread; the batch, not more threads, is what scales.
  const session = await InferenceSession.create(data.modelPath, {
    interOpNumThreads: 1,
    intraOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: [{ name: 'cpu' }],
  });
  const sr = new Tensor('int64', BigInt64Array.from([BigInt(MODEL_SAMPLE_RATE)]));
  const reply = (msg: InferenceReply) => port.postMessage(msg);

  const run = async ({ slots, fresh }: RunBatch): Promise<void> => {
    for (const slot of fresh) {
      states.fill(0, slot * STATE, (slot + 1) * STATE);
      contexts.fill(0, slot * CONTEXT_SAMPLES, (slot + 1) * CONTEXT_SAMPLES);
    }
    const batch = slots.length;
    // Gather: row b = the slot's context then its window; state [layer, b, :] = the slot's layer.
    const input = new Float32Array(batch * INPUT);
    const state = new Float32Array(2 * batch * STATE_WIDTH);
    for (let b = 0; b < batch; b++) {
      const slot = slots[b]!;
      input.set(contexts.subarray(slot * CONTEXT_SAMPLES, (slot + 1) * CONTEXT_SAMPLES), b * INPUT);
      input.set(windows.subarray(slot * WINDOW_SAMPLES, (slot + 1) * WINDOW_SAMPLES), b * INPUT + CONTEXT_SAMPLES);
      for (let layer = 0; layer < 2; layer++) {
        const from = slot * STATE + layer * STATE_WIDTH;
        state.set(states.subarray(from, from + STATE_WIDTH), (layer * batch + b) * STATE_WIDTH);
      }
    }
    const out = await session.run({
      input: new Tensor('float32', input, [batch, INPUT]),
      state: new Tensor('float32', state, [2, batch, STATE_WIDTH]),
      sr,
    });
    const p = out.output!.data as Float32Array;
    const stateN = out.stateN!.data as Float32Array;
    // Scatter: each slot keeps its new state and the last 64 samples of what it was given.
    for (let b = 0; b < batch; b++) {
      const slot = slots[b]!;
      probabilities[slot] = p[b]!;
      for (let layer = 0; layer < 2; layer++) {
        const from = (layer * batch + b) * STATE_WIDTH;
        states.set(stateN.subarray(from, from + STATE_WIDTH), slot * STATE + layer * STATE_WIDTH);
      }
      contexts.set(input.subarray((b + 1) * INPUT - CONTEXT_SAMPLES, (b + 1) * INPUT), slot * CONTEXT_SAMPLES);
    }
  };

  port.on('message', (msg: RunBatch) => {
    run(msg).then(
      () => reply({ type: 'done', id: msg.id }),
      (err: unknown) => reply({ type: 'failed', id: msg.id, message: err instanceof Error ? err.message : String(err) }),
    );
  });
  reply({ type: 'ready' });
}

if (!parentPort) throw new Error('inference.worker is a worker thread entry, started by SileroInference');
const port = parentPort;
// A model that does not load: said once, then the thread ends (SileroInference.start rejects with it).
main(port, workerData as InferenceWorkerData).catch((err: unknown) => {
  port.postMessage({ type: 'broken', message: err instanceof Error ? err.message : String(err) } satisfies InferenceReply);
  port.close();
});

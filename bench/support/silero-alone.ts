/**
 * The machine-independent floor: the CPU of Silero alone over a call's audio, measured in the same run as
 * the calls. It runs the model as the Silero plugin does (onnx_model.ts: its ONNX session, one thread, one window of
 * 512 samples plus 64 of context at a time, the state carried from window to window) over the far end's audio — a
 * turn of the caller's line and the silence around it — and nothing else: no framework, no buffering, no events.
 */
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { sileroModelPath } from '../../apps/voice-agent/src/session/vad/inference';

const RATE = 16_000;
const WINDOW = 512;
const CONTEXT = 64;

/** Silero's CPU per second of call audio, as a share of one core (median of `runs` passes over `seconds` of audio). */
export async function sileroAloneCpuShare(line: Int16Array, seconds = 20, runs = 3): Promise<number> {
  const session = await InferenceSession.create(sileroModelPath(), { interOpNumThreads: 1, intraOpNumThreads: 1, executionMode: 'sequential', executionProviders: [{ name: 'cpu' }] });
  // A turn: the caller's line, then about as long again of silence (the reply and the pause), over and over.
  const turn = new Int16Array(2 * line.length + Math.round((400 * RATE) / 1000));
  turn.set(line);
  const audio = new Float32Array(seconds * RATE);
  for (let i = 0; i < audio.length; i++) audio[i] = turn[i % turn.length]! / 32767;
  const sr = new Tensor('int64', BigInt64Array.from([BigInt(RATE)]));
  const shares: number[] = [];
  try {
    for (let r = 0; r < runs; r++) {
      const input = new Float32Array(CONTEXT + WINDOW);
      let state = new Float32Array(2 * 128);
      const cpu = process.cpuUsage();
      for (let at = 0; at + WINDOW <= audio.length; at += WINDOW) {
        input.copyWithin(0, WINDOW, WINDOW + CONTEXT);
        input.set(audio.subarray(at, at + WINDOW), CONTEXT);
        const out = await session.run({ input: new Tensor('float32', input, [1, CONTEXT + WINDOW]), state: new Tensor('float32', state, [2, 1, 128]), sr });
        state = new Float32Array(out.stateN!.data as Float32Array);
      }
      const used = process.cpuUsage(cpu);
      shares.push((used.user + used.system) / 1e6 / seconds);
    }
  } finally {
    await session.release();
  }
  return shares.sort((a, b) => a - b)[Math.floor(shares.length / 2)]!;
}

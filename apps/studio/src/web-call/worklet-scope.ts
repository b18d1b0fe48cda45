/**
 * What an AudioWorklet's global scope provides (Web Audio API, "AudioWorkletGlobalScope"), which TypeScript's DOM
 * library leaves out. Typed through this accessor rather than declared global, so that main-thread code cannot use
 * `sampleRate` or `registerProcessor` by mistake; only the worklet modules import it.
 */
export interface AudioWorkletScope {
  /** The AudioContext's sample rate, as its audio thread sees it. */
  readonly sampleRate: number;
  readonly AudioWorkletProcessor: new (options?: AudioWorkletNodeOptions) => { readonly port: MessagePort };
  registerProcessor(name: string, processor: new (options?: AudioWorkletNodeOptions) => AudioProcessor): void;
}

/** A processor as the audio thread calls it: one render quantum (128 frames) in and out; false lets it stop. */
export interface AudioProcessor {
  readonly port: MessagePort;
  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean;
}

export const workletScope = globalThis as unknown as AudioWorkletScope;

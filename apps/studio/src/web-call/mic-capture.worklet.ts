import { PcmFramer, CALL_AUDIO } from './pcm';
import { Resampler } from './resampler';
import { MIC_CAPTURE } from './worklet-names';
import { workletScope, type AudioProcessor } from './worklet-scope';

/**
 * The microphone, on the audio thread, to the call's format: each render quantum is mixed to mono, resampled from the
 * context's rate to 16 kHz (band-limited, resampler.ts) and cut into 20 ms frames of 16-bit little-endian PCM; each
 * frame (640 bytes) is transferred to the main thread, which sends it as it is. `stop` ends the processor.
 */
class MicCapture extends workletScope.AudioWorkletProcessor implements AudioProcessor {
  readonly #resampler = new Resampler(workletScope.sampleRate, CALL_AUDIO.sampleRate);
  readonly #framer = new PcmFramer();
  #mono = new Float32Array(128);
  #stopped = false;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (e: MessageEvent) => {
      if (e.data === 'stop') this.#stopped = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    if (this.#stopped) return false;
    const channels = inputs[0] ?? [];
    // No input connected (yet): nothing to send, but keep running.
    if (channels.length === 0 || !channels[0]) return true;
    const n = channels[0].length;
    if (this.#mono.length !== n) this.#mono = new Float32Array(n);
    const mono = this.#mono;
    mono.set(channels[0]);
    if (channels.length > 1) {
      for (let c = 1; c < channels.length; c++) for (let i = 0; i < n; i++) mono[i]! += channels[c]![i]!;
      for (let i = 0; i < n; i++) mono[i]! /= channels.length;
    }
    this.#framer.push(this.#resampler.process(mono), (frame) => this.port.postMessage(frame, [frame]));
    return true;
  }
}

workletScope.registerProcessor(MIC_CAPTURE, MicCapture);

import { JitterBuffer } from './jitter-buffer';
import { CALL_AUDIO, pcm16leToFloat } from './pcm';
import { Resampler } from './resampler';
import { AGENT_PLAYBACK, type PlaybackStats } from './worklet-names';
import { workletScope, type AudioProcessor } from './worklet-scope';

const PREBUFFER_MS = 60;
const CAPACITY_MS = 500;

/**
 * The agent's speech, on the audio thread: each 640-byte frame the main thread hands over is decoded, resampled from
 * 16 kHz to the context's rate and queued in a jitter buffer (jitter-buffer.ts), which each render quantum plays from,
 * gap-free while audio keeps coming. `clear` drops what is queued; `stop` ends the processor.
 */
class AgentPlayback extends workletScope.AudioWorkletProcessor implements AudioProcessor {
  readonly #resampler = new Resampler(CALL_AUDIO.sampleRate, workletScope.sampleRate);
  readonly #buffer = new JitterBuffer({ prebuffer: (workletScope.sampleRate * PREBUFFER_MS) / 1000, capacity: (workletScope.sampleRate * CAPACITY_MS) / 1000 });
  #stopped = false;
  #samples = 0;
  #peak = 0;
  #sumSquares = 0;
  #sinceReport = 0;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (e: MessageEvent) => {
      if (e.data instanceof ArrayBuffer) this.#buffer.push(this.#resampler.process(pcm16leToFloat(e.data)));
      else if (e.data === 'clear') this.#buffer.clear();
      else if (e.data === 'stop') this.#stopped = true;
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    if (this.#stopped) return false;
    const channels = outputs[0] ?? [];
    const first = channels[0];
    if (!first) return true;
    const played = this.#buffer.pull(first);
    for (let i = 0; i < played; i++) {
      const s = first[i]!;
      const a = s < 0 ? -s : s;
      if (a > this.#peak) this.#peak = a;
      this.#sumSquares += s * s;
    }
    this.#samples += played;
    for (let c = 1; c < channels.length; c++) channels[c]!.set(first);
    this.#sinceReport += first.length;
    if (this.#sinceReport >= workletScope.sampleRate / 10) {
      this.#sinceReport = 0;
      const stats: PlaybackStats = {
        samples: this.#samples,
        peak: this.#peak,
        rms: this.#samples ? Math.sqrt(this.#sumSquares / this.#samples) : 0,
        dropped: this.#buffer.dropped,
        sampleRate: workletScope.sampleRate,
      };
      this.port.postMessage(stats);
    }
    return true;
  }
}

workletScope.registerProcessor(AGENT_PLAYBACK, AgentPlayback);

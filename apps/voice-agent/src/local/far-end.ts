import { AudioFrame } from '@livekit/rtc-node';
import type { PushAudioInput } from './audio-io';
import { voiceSamples } from './synthetic-voice';

/**
 * The far end of a simulated phone line: streams the caller's audio into the session in real time, in frames of
 * `frameMs` (20 ms unless told) of silence, with speech wherever `speak()` (wordless synthetic voice) or `play()`
 * (real samples, e.g. espeak-ng) puts it (a phone line never goes quiet, and VAD needs the silence after speech to
 * end the utterance). Frames follow an absolute schedule, so timer
 * jitter does not stretch or shrink the audio.
 */
export class FarEndAudio {
  readonly sampleRate: number;
  readonly #input: PushAudioInput;
  readonly #frameSamples: number;
  readonly #maxQueuedSamples: number;
  #pending: Int16Array[] = [];
  #queuedSamples = 0;
  #sent = 0;
  #startedAt = 0;
  #timer: NodeJS.Timeout | null = null;

  /**
   * `maxQueuedMs`: the most audio held waiting for its turn on the line; beyond it the oldest is dropped (a far end that
   * sends faster than real time, or whose clock runs ahead, cannot grow the queue without bound). Default: no limit.
   */
  constructor(input: PushAudioInput, opts: { sampleRate?: number; frameMs?: number; maxQueuedMs?: number } = {}) {
    this.#input = input;
    this.sampleRate = opts.sampleRate ?? 16_000;
    this.#frameSamples = (this.sampleRate * (opts.frameMs ?? 20)) / 1000;
    this.#maxQueuedSamples = opts.maxQueuedMs === undefined ? Infinity : Math.floor((opts.maxQueuedMs * this.sampleRate) / 1000);
    if (!Number.isInteger(this.#frameSamples) || this.#frameSamples < 1) throw new Error(`frameMs ${opts.frameMs} is not a whole number of samples at ${this.sampleRate} Hz`);
  }

  start(): void {
    this.#startedAt = Date.now();
    this.#timer = setInterval(() => this.#pump(), 20);
  }

  /** Queues `durationMs` of speech after whatever is still queued. */
  speak(durationMs: number): void {
    this.#queue(voiceSamples(durationMs, this.sampleRate));
  }

  /** Queues recorded speech (16-bit mono at `sampleRate`) after whatever is still queued. */
  play(samples: Int16Array): void {
    if (samples.length > 0) this.#queue(samples);
  }

  /** Audio queued and not yet on the line, in samples. */
  get queuedSamples(): number {
    return this.#queuedSamples;
  }

  #queue(samples: Int16Array): void {
    this.#pending.push(samples);
    this.#queuedSamples += samples.length;
    while (this.#queuedSamples > this.#maxQueuedSamples) {
      const head = this.#pending[0]!;
      const drop = Math.min(head.length, this.#queuedSamples - this.#maxQueuedSamples);
      if (drop === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(drop);
      this.#queuedSamples -= drop;
    }
  }

  get speaking(): boolean {
    return this.#pending.length > 0;
  }

  /** Hang up: the audio stops. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    this.#input.end();
  }

  #pump(): void {
    const due = Math.floor(((Date.now() - this.#startedAt) * this.sampleRate) / 1000);
    while (this.#sent + this.#frameSamples <= due) {
      this.#input.push(this.#nextFrame());
      this.#sent += this.#frameSamples;
    }
  }

  #nextFrame(): AudioFrame {
    const data = new Int16Array(this.#frameSamples);
    let filled = 0;
    while (filled < data.length && this.#pending.length > 0) {
      const head = this.#pending[0]!;
      const take = Math.min(head.length, data.length - filled);
      data.set(head.subarray(0, take), filled);
      filled += take;
      this.#queuedSamples -= take;
      if (take === head.length) this.#pending.shift();
      else this.#pending[0] = head.subarray(take);
    }
    return new AudioFrame(data, this.sampleRate, 1, this.#frameSamples);
  }
}

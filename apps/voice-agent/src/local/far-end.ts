import { AudioFrame } from '@livekit/rtc-node';
import type { PushAudioInput } from './audio-io';
import { voiceSamples } from './synthetic-voice';

/**
 * The far end of a simulated phone line: streams the caller's audio into the session in real time, in frames of
 * `frameMs` (20 ms unless told) of silence, with speech wherever `speak()` (wordless synthetic voice) or `play()`
 * (real samples, e.g. espeak-ng) puts it (a phone line never goes quiet, and VAD needs the silence after speech to
 * end the utterance). Frames follow an absolute schedule, so timer
 * jitter does not stretch or shrink the audio.
 *
 * A live far end (`liveJitterMs`: a browser streaming its microphone, which keeps its own real-time clock) has its
 * audio put on the line as it arrives, never behind the schedule: the schedule runs `liveJitterMs` behind real time
 * and only fills the silence of a source that stopped sending. Without that, a stall of the event loop longer than a
 * frame made the schedule fill the gap with silence before the late frames were read (timers run before I/O), and
 * those frames then waited behind it for the rest of the call: every stall became a lasting delay of the caller's
 * voice. Silence the schedule filled while the source was in fact late is forgiven once its audio arrives, so the
 * line keeps to real time.
 */
export class FarEndAudio {
  readonly sampleRate: number;
  readonly #input: PushAudioInput;
  readonly #frameSamples: number;
  readonly #maxQueuedSamples: number;
  /** Live: how far the schedule runs behind real time, in samples; null for a simulated line. */
  readonly #liveJitterSamples: number | null;
  #pending: Int16Array[] = [];
  #queuedSamples = 0;
  #sent = 0;
  /** Live: silence the schedule put on the line with nothing queued, not yet made up by audio that came late. */
  #filled = 0;
  #startedAt = 0;
  #timer: NodeJS.Timeout | null = null;

  /**
   * `maxQueuedMs`: the most audio held waiting for its turn on the line; beyond it the oldest is dropped (a far end that
   * sends faster than real time, or whose clock runs ahead, cannot grow the queue without bound). Default: no limit.
   * Live, it is also how far ahead of real time the line may run on the source's audio before that audio waits.
   * `liveJitterMs`: a live far end (see the class), whose frames may arrive this late before silence is filled in.
   */
  constructor(input: PushAudioInput, opts: { sampleRate?: number; frameMs?: number; maxQueuedMs?: number; liveJitterMs?: number } = {}) {
    this.#input = input;
    this.sampleRate = opts.sampleRate ?? 16_000;
    this.#frameSamples = (this.sampleRate * (opts.frameMs ?? 20)) / 1000;
    this.#maxQueuedSamples = opts.maxQueuedMs === undefined ? Infinity : Math.floor((opts.maxQueuedMs * this.sampleRate) / 1000);
    this.#liveJitterSamples = opts.liveJitterMs === undefined ? null : Math.floor((opts.liveJitterMs * this.sampleRate) / 1000);
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
    if (samples.length === 0) return;
    this.#queue(samples);
    if (this.#liveJitterSamples !== null && this.#timer) this.#sendLive(this.#elapsedSamples());
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

  #elapsedSamples(): number {
    return Math.floor(((Date.now() - this.#startedAt) * this.sampleRate) / 1000);
  }

  #pump(): void {
    const elapsed = this.#elapsedSamples();
    const live = this.#liveJitterSamples;
    const due = live === null ? elapsed : elapsed - live;
    while (this.#sent + this.#frameSamples <= due) {
      const silence = this.#queuedSamples === 0;
      this.#input.push(this.#nextFrame());
      this.#sent += this.#frameSamples;
      if (live !== null && silence) this.#filled += this.#frameSamples;
    }
    if (live !== null) this.#sendLive(elapsed);
  }

  /**
   * Live: whole frames of the source's audio go on the line at once, as long as the line is not more than the queue's
   * cap ahead of real time (a source faster than real time waits, and loses its oldest beyond the cap). Silence filled
   * while the source was late, which its audio has now put the line ahead by, is forgiven.
   */
  #sendLive(elapsed: number): void {
    const aheadCap = elapsed + this.#maxQueuedSamples;
    while (this.#queuedSamples >= this.#frameSamples && this.#sent + this.#frameSamples <= aheadCap) {
      this.#input.push(this.#nextFrame());
      this.#sent += this.#frameSamples;
      const forgiven = Math.min(this.#filled, this.#sent - elapsed);
      if (forgiven > 0) {
        this.#sent -= forgiven;
        this.#filled -= forgiven;
      }
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

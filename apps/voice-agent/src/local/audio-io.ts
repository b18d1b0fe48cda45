import { voice } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { ReadableStream, type ReadableStreamDefaultController } from 'node:stream/web';

/**
 * The caller's audio into the session without a room: whoever plays the far end (sandbox caller bot, tests)
 * pushes PCM frames here; `session.input.audio = new PushAudioInput()` replaces RoomIO's track reader.
 */
export class PushAudioInput extends voice.AudioInput {
  readonly #controller: ReadableStreamDefaultController<AudioFrame>;
  #ended = false;

  constructor() {
    super();
    let controller!: ReadableStreamDefaultController<AudioFrame>;
    this.multiStream.addInputStream(new ReadableStream<AudioFrame>({ start: (c) => void (controller = c) }));
    this.#controller = controller;
  }

  push(frame: AudioFrame): void {
    if (!this.#ended) this.#controller.enqueue(frame);
  }

  /**
   * The caller hung up: no more audio. The stream is left open on purpose: closing it ends the VAD stream's
   * input, and @livekit/agents 1.8.1 then throws an uncaught "WritableStream is closed" when the session
   * closes that VAD stream again (stt/stream_adapter.ts close → vad.ts close). The session's shutdown
   * (VoiceSession.callerHungUp) is what ends the call.
   */
  end(): void {
    this.#ended = true;
  }
}

export interface PlayedSegment {
  frames: AudioFrame[];
  /** When its first frame was captured, and when the simulated speaker starts playing it (after earlier segments). */
  capturedAt: number;
  startsAt: number;
  durationMs: number;
  finishedAt?: number;
  interrupted?: boolean;
}

/**
 * The agent's audio out of the session without a room. It plays segments one after another on a simulated
 * clock (a segment finishes when its audio duration has elapsed after the previous one, as a speaker would)
 * and reports them to the session through `onPlaybackStarted` / `onPlaybackFinished`, which the framework
 * needs for turn-taking, interruption and `waitForPlayout`. Listeners get every frame (`frame` event): the
 * far end "hears" them.
 */
export class PlayoutAudioOutput extends voice.AudioOutput {
  /** Every segment played, with its frames (tests and the sandbox's far end read them); empty unless kept. */
  readonly segments: PlayedSegment[] = [];
  /** Captured and not yet finished, oldest first; the last one may still be receiving frames. */
  readonly #playing: Array<{ segment: PlayedSegment; timer: NodeJS.Timeout | null }> = [];
  #open: PlayedSegment | null = null;
  readonly #keep: boolean;

  /**
   * `keepSegments: false`: played segments and their audio are not kept once played (a call that may last hours, whose
   * audio must not be stored: a web call); listeners still get every frame.
   */
  constructor(sampleRate = 24_000, opts: { keepSegments?: boolean } = {}) {
    super(sampleRate, undefined, { pause: false });
    this.#keep = opts.keepSegments ?? true;
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    await super.captureFrame(frame);
    if (!this.#open) {
      const now = Date.now();
      const previous = this.#playing[this.#playing.length - 1]?.segment;
      const startsAt = previous ? Math.max(now, previous.startsAt + previous.durationMs) : now;
      this.#open = { frames: [], capturedAt: now, startsAt, durationMs: 0 };
      if (this.#keep) this.segments.push(this.#open);
      this.#playing.push({ segment: this.#open, timer: null });
      this.onPlaybackStarted(startsAt);
    }
    if (this.#keep) this.#open.frames.push(frame);
    this.#open.durationMs += (frame.samplesPerChannel / frame.sampleRate) * 1000;
    this.emit('frame', frame);
  }

  override flush(): void {
    super.flush();
    const entry = this.#playing.find((p) => p.segment === this.#open);
    this.#open = null;
    if (!entry) return;
    const endsAt = entry.segment.startsAt + entry.segment.durationMs;
    entry.timer = setTimeout(() => this.#finish(entry.segment, false), Math.max(0, endsAt - Date.now()));
  }

  /** Interruption: everything captured and not yet played is dropped at once. */
  override clearBuffer(): void {
    this.#open = null;
    for (const { segment } of [...this.#playing]) this.#finish(segment, true);
  }

  #finish(segment: PlayedSegment, interrupted: boolean): void {
    const i = this.#playing.findIndex((p) => p.segment === segment);
    if (i < 0) return;
    const [entry] = this.#playing.splice(i, 1);
    if (entry?.timer) clearTimeout(entry.timer);
    segment.finishedAt = Date.now();
    segment.interrupted = interrupted;
    const playedMs = interrupted ? Math.max(0, Math.min(segment.durationMs, segment.finishedAt - segment.startsAt)) : segment.durationMs;
    this.onPlaybackFinished({ playbackPosition: playedMs / 1000, interrupted });
  }
}

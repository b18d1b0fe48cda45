import { voice } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { ReadableStream } from 'node:stream/web';
import { FrameChunker } from './frame-chunker';
import { WINDOW_MS } from './vad/inference.protocol';

/**
 * The frame length the session's pipeline works in: one Silero window (32 ms). @livekit/agents passes every frame
 * through a chain of web streams (the input's, the activity's, a tee, the VAD's and the STT's), and that per-frame
 * cost, not the audio, was most of a call's CPU: at 10 ms frames each window paid it three times and more. A frame of
 * one window is decided by the VAD the moment its last sample arrives, as before: the end of speech comes no later.
 */
export const SESSION_FRAME_MS = WINDOW_MS;

/**
 * A call's audio input handed on in frames of `frameMs` (SESSION_FRAME_MS unless told): wraps the input the media
 * gives (a room's track, a web call's socket, a test's far end), whatever its frame size. Mute and close go to the
 * source.
 */
export class WindowedAudioInput extends voice.AudioInput {
  readonly #source: voice.AudioInput;
  readonly #frames: ReadableStream<AudioFrame>;

  constructor(source: voice.AudioInput, frameMs = SESSION_FRAME_MS) {
    super();
    this.#source = source;
    const reader = source.stream.getReader();
    const chunker = new FrameChunker(frameMs);
    this.#frames = new ReadableStream<AudioFrame>({
      // Reads the source until a whole frame is ready: one read per source frame, nothing buffered beyond it.
      pull: async (controller) => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) {
            const rest = chunker.flush();
            if (rest) controller.enqueue(rest);
            controller.close();
            return;
          }
          const frames = chunker.push(value);
          for (const frame of frames) controller.enqueue(frame);
          if (frames.length > 0) return;
        }
      },
      cancel: (reason) => reader.cancel(reason),
    });
  }

  /**
   * The frames themselves, not through the input's own MultiInputStream (a pump, a writable and a transform per
   * frame, there to let inputs come and go: this one's source is set once).
   */
  override get stream(): ReadableStream<AudioFrame> {
    return this.#frames;
  }

  override setAttached(attached: boolean): void {
    this.#source.setAttached(attached);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.#source.close();
  }
}

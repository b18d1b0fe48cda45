import type { AudioFrame } from '@livekit/rtc-node';

/** A segment boundary in the input (`VADStream.flush()`): the state is reset before the next frame. */
export const FLUSH = Symbol('vad.flush');
export type VadInputItem = AudioFrame | typeof FLUSH;

/**
 * A VAD stream's input, read in order by its inference loop: either a stream of frames attached by the session
 * (`updateInputStream`, what AgentSession uses) or frames pushed one by one (`pushFrame`, what stt.StreamAdapter
 * uses). The framework's base stream pipes both through a deferred stream and an identity transform, two more web
 * streams per frame; this reads the attached stream directly.
 */
export class VadInput {
  #pushed: VadInputItem[] = [];
  #head = 0;
  #reader: ReadableStreamDefaultReader<AudioFrame> | null = null;
  #attached = false;
  #ended = false;
  #wake: (() => void) | null = null;

  attach(source: ReadableStream<AudioFrame>): void {
    // As the framework's DeferredReadableStream: a stream's source is set once.
    if (this.#attached) throw new Error('Stream source already set');
    this.#attached = true;
    this.#reader = source.getReader();
    this.#wakeUp();
  }

  /** Lets go of the attached stream (a read in progress ends) and leaves it readable by others. */
  detach(): void {
    const reader = this.#reader;
    this.#reader = null;
    reader?.releaseLock();
    this.#wakeUp();
  }

  push(item: VadInputItem): void {
    this.#pushed.push(item);
    this.#wakeUp();
  }

  /** No more input: `read` answers null once what was pushed has been read. */
  end(): void {
    this.#ended = true;
    this.#wakeUp();
  }

  close(): void {
    this.#pushed = [];
    this.#head = 0;
    this.end();
    this.detach();
  }

  /** The next item, or null when the input has ended (the attached stream ended, or `end`). */
  async read(): Promise<VadInputItem | null> {
    for (;;) {
      if (this.#head < this.#pushed.length) {
        const item = this.#pushed[this.#head++]!;
        if (this.#head === this.#pushed.length) {
          this.#pushed = [];
          this.#head = 0;
        }
        return item;
      }
      const reader = this.#reader;
      if (reader) {
        try {
          const { done, value } = await reader.read();
          if (!done) return value;
          // The session's audio ended: so does this stream's input, as with the framework's stream.
          if (this.#reader === reader) this.detach();
          return null;
        } catch (err) {
          if (this.#reader === reader) throw err;
          continue; // detached while reading
        }
      }
      if (this.#ended) return null;
      await new Promise<void>((resolve) => (this.#wake = resolve));
    }
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = null;
    wake?.();
  }
}

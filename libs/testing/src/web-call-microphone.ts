import { WEB_CALL_AUDIO } from '@callplane/contracts';

/**
 * A web call client's microphone: what it has been told to say, handed out as the wire's frames (20 ms of 16-bit
 * little-endian PCM), silence once there is nothing left to say. A frame can hold the end of one utterance and the
 * start of the next.
 */
export class WebCallMicrophone {
  readonly #speech: Int16Array[] = [];

  /** Queues 16 kHz mono samples to be said after whatever is queued already. */
  say(samples: Int16Array): void {
    this.#speech.push(samples);
  }

  /** The next frame, and whether any speech went into it. */
  nextFrame(): { frame: Buffer; speech: boolean } {
    const frame = Buffer.alloc(WEB_CALL_AUDIO.frameBytes);
    const samples = WEB_CALL_AUDIO.frameBytes / 2;
    let filled = 0;
    while (filled < samples && this.#speech.length > 0) {
      const head = this.#speech[0]!;
      const take = Math.min(head.length, samples - filled);
      for (let i = 0; i < take; i++) frame.writeInt16LE(head[i]!, (filled + i) * 2);
      filled += take;
      if (take === head.length) this.#speech.shift();
      else this.#speech[0] = head.subarray(take);
    }
    return { frame, speech: filled > 0 };
  }
}

import { WEB_CALL_AUDIO } from '@callplane/contracts';
import type { AudioFrame } from '@livekit/rtc-node';
import { endianness } from 'node:os';
import { PlayoutAudioOutput } from '../local/audio-io';

const LITTLE_ENDIAN_HOST = endianness() === 'LE';

/**
 * The agent's speech out to a web call's browser: 16 kHz mono 16-bit LE PCM in 640-byte (20 ms) frames, paced in real
 * time. A frame is handed to `send` no earlier than `leadMs` before it would start playing, so the browser holds little
 * more than that: when the caller barges in, the framework clears this buffer and the agent stops within about `leadMs`
 * on the browser too. The wait is the framework's backpressure (its audio forwarding awaits each capture), as a
 * LiveKit audio source gives it. Playout is simulated on the same clock (PlayoutAudioOutput) for turn-taking, and no
 * audio is kept.
 */
export class PacedPcmOutput extends PlayoutAudioOutput {
  readonly #send: (frame: Buffer) => void;
  readonly #leadMs: number;
  /** When the next captured audio would start playing (epoch ms). */
  #playhead = 0;
  /** Bytes short of a whole frame, sent with the next capture or padded with silence at the segment's end. */
  #remainder: Buffer = Buffer.alloc(0);
  /** Bumped when the buffer is cleared: a capture still waiting for its turn drops its frame. */
  #generation = 0;
  #wake: (() => void) | null = null;

  constructor(send: (frame: Buffer) => void, opts: { leadMs: number }) {
    super(WEB_CALL_AUDIO.sampleRate, { keepSegments: false });
    this.#send = send;
    this.#leadMs = opts.leadMs;
  }

  override async captureFrame(frame: AudioFrame): Promise<void> {
    const generation = this.#generation;
    const wait = Math.max(Date.now(), this.#playhead) - this.#leadMs - Date.now();
    if (wait > 0) await this.#sleep(wait);
    if (generation !== this.#generation) return; // interrupted while waiting: never sent
    this.#playhead = Math.max(Date.now(), this.#playhead) + (frame.samplesPerChannel / frame.sampleRate) * 1000;
    await super.captureFrame(frame);
    this.#sendPcm(pcmBytes(frame));
  }

  override flush(): void {
    if (this.#remainder.length > 0) {
      const last = Buffer.alloc(WEB_CALL_AUDIO.frameBytes);
      this.#remainder.copy(last);
      this.#remainder = Buffer.alloc(0);
      this.#send(last);
    }
    super.flush();
  }

  override clearBuffer(): void {
    this.#generation++;
    this.#remainder = Buffer.alloc(0);
    this.#playhead = 0;
    this.#wake?.();
    super.clearBuffer();
  }

  #sendPcm(pcm: Buffer): void {
    const bytes = this.#remainder.length ? Buffer.concat([this.#remainder, pcm]) : pcm;
    const { frameBytes } = WEB_CALL_AUDIO;
    let at = 0;
    for (; at + frameBytes <= bytes.length; at += frameBytes) this.#send(Buffer.from(bytes.subarray(at, at + frameBytes)));
    this.#remainder = Buffer.from(bytes.subarray(at));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        if (this.#wake === done) this.#wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wake = done;
    });
  }
}

/** A mono 16-bit frame's samples as little-endian bytes (a copy, so the frame's buffer is not held). */
function pcmBytes(frame: AudioFrame): Buffer {
  const data = frame.data;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return LITTLE_ENDIAN_HOST ? Buffer.from(bytes) : Buffer.from(bytes).swap16();
}

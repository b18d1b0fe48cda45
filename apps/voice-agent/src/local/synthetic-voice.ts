import { tts, type APIConnectOptions } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { randomUUID } from 'node:crypto';

/**
 * A voice-like signal: a glottal pulse train (~120 Hz, gently gliding) shaped by three vowel formants and a
 * 4 Hz syllable envelope. It carries no words; Silero VAD scores it as speech (pure tones and white noise
 * score < 0.05), which is what the sandbox and the tests need from "someone talking".
 */
export function voiceSamples(durationMs: number, sampleRate: number, startSample = 0): Int16Array {
  const n = Math.round((durationMs * sampleRate) / 1000);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) {
    const t = (startSample + i) / sampleRate;
    const f0 = 120 + 20 * Math.sin(2 * Math.PI * 3 * t);
    let x = 0;
    for (let h = 1; h < 30; h++) {
      const f = h * f0;
      const gain = formant(f, 700, 200) + 0.7 * formant(f, 1200, 250) + 0.3 * formant(f, 2500, 300) + 0.05;
      x += gain * Math.sin(2 * Math.PI * f * t + h);
    }
    const envelope = 0.5 + 0.5 * Math.sin(2 * Math.PI * 4 * t);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(x * envelope * 3000)));
  }
  return out;
}

function formant(f: number, centre: number, width: number): number {
  return Math.exp(-((f - centre) ** 2) / (2 * width ** 2));
}

/** Splits samples into 10 ms frames (the size LiveKit's audio pipeline works in). */
export function toFrames(samples: Int16Array, sampleRate: number, frameMs = 10): AudioFrame[] {
  const size = (sampleRate * frameMs) / 1000;
  const frames: AudioFrame[] = [];
  for (let off = 0; off < samples.length; off += size) {
    const chunk = samples.slice(off, Math.min(off + size, samples.length));
    frames.push(new AudioFrame(chunk, sampleRate, 1, chunk.length));
  }
  return frames;
}

export interface SyntheticVoiceTTSOptions {
  sampleRate?: number;
  /** Spoken length per character of text; a real voice is ~60 ms. */
  msPerChar?: number;
}

/**
 * Local TTS stand-in: "speaks" any text as the voice-like signal above, its length proportional to the text.
 * No words are audible; it exists so a call can run end to end with no TTS account (the espeak-ng
 * voice replaces it in the sandbox). Non-streaming: the framework wraps it in its sentence StreamAdapter.
 */
export class SyntheticVoiceTTS extends tts.TTS {
  label = 'local.SyntheticVoiceTTS';
  readonly msPerChar: number;

  constructor(opts: SyntheticVoiceTTSOptions = {}) {
    super(opts.sampleRate ?? 24_000, 1, { streaming: false });
    this.msPerChar = opts.msPerChar ?? 60;
  }

  override get provider(): string {
    return 'local';
  }

  override get model(): string {
    return 'synthetic-voice';
  }

  synthesize(text: string, connOptions?: APIConnectOptions, abortSignal?: AbortSignal): tts.ChunkedStream {
    return new SyntheticVoiceStream(text, this, connOptions, abortSignal);
  }

  stream(): tts.SynthesizeStream {
    throw new Error('SyntheticVoiceTTS is non-streaming; AgentSession wraps it in tts.StreamAdapter');
  }
}

class SyntheticVoiceStream extends tts.ChunkedStream {
  label = 'local.SyntheticVoiceStream';
  readonly #voice: SyntheticVoiceTTS;

  constructor(text: string, voice: SyntheticVoiceTTS, connOptions?: APIConnectOptions, abortSignal?: AbortSignal) {
    super(text, voice, connOptions, abortSignal);
    this.#voice = voice;
  }

  protected async run(): Promise<void> {
    const text = this.inputText.trim();
    if (!text) return;
    const rate = this.#voice.sampleRate;
    const frames = toFrames(voiceSamples(text.length * this.#voice.msPerChar, rate), rate, 20);
    const requestId = randomUUID();
    frames.forEach((frame, i) => {
      this.queue.put({ requestId, segmentId: requestId, frame, final: i === frames.length - 1, deltaText: i === 0 ? text : undefined });
    });
  }
}

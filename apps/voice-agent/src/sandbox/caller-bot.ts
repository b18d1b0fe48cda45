import { voice } from '@livekit/agents';
import { espeakSamples } from '../local/espeak-tts';
import type { FarEndAudio } from '../local/far-end';

/** How the caller bot voices its lines: espeak-ng speech (real words) or the wordless synthetic voice. */
export type CallerVoice = 'espeak' | 'synthetic';

export interface CallerBotOptions {
  /** What the caller says, one line per turn, in order (the agent's recogniser expects the same lines). */
  lines: readonly string[];
  /** `espeak` (default): each line spoken by espeak-ng, so a real recogniser can hear it; `synthetic`: wordless. */
  voice?: CallerVoice;
  /** Synthetic voice only: spoken length per character of a line, within [minLineMs, maxLineMs]. */
  msPerChar?: number;
  minLineMs?: number;
  maxLineMs?: number;
  /** After the agent's last reply, the caller stays on the line this long, then hangs up. */
  hangUpAfterMs?: number;
  /** A caller who hears no answer this long after finishing a line gives up and hangs up. */
  giveUpAfterMs?: number;
  /** espeak-ng could not render a line: the line is spoken in the synthetic voice instead. */
  onSpeechError?: (err: unknown, line: string) => void;
}

type Rendered = { samples: Int16Array } | { err: unknown };

/**
 * The sandbox's far end: a caller who waits for the agent to finish speaking, answers with the next scripted
 * line as audio on the line (FarEndAudio), and hangs up once the script is done and the agent's reply has been
 * heard. It only listens to the agent's playout, so the agent's side runs exactly as it would on a real call.
 * With the espeak voice every line is rendered (in espeak's worker thread) when the call is answered, so the
 * answer goes on the line as soon as the agent stops talking.
 */
export class CallerBot {
  readonly #far: FarEndAudio;
  readonly #output: voice.AudioOutput;
  readonly #opts: Required<Omit<CallerBotOptions, 'onSpeechError'>> & Pick<CallerBotOptions, 'onSpeechError'>;
  #rendered: Promise<Rendered>[] = [];
  #next = 0;
  /** A line is being fetched from the renderer: the caller is about to talk. */
  #preparing = false;
  #hangUpTimer: NodeJS.Timeout | null = null;
  #onHangUp: (() => void) | null = null;
  readonly #onPlayoutFinished = (ev: voice.PlaybackFinishedEvent) => this.#agentFinished(ev);

  constructor(far: FarEndAudio, output: voice.AudioOutput, opts: CallerBotOptions) {
    this.#far = far;
    this.#output = output;
    this.#opts = { voice: 'espeak', msPerChar: 60, minLineMs: 800, maxLineMs: 4_000, hangUpAfterMs: 1_500, giveUpAfterMs: 15_000, ...opts };
  }

  /** Picks up: the line opens (silence until someone speaks) and the bot starts listening to the agent. */
  start(onHangUp: () => void): void {
    this.#onHangUp = onHangUp;
    if (this.#opts.voice === 'espeak') {
      this.#rendered = this.#opts.lines.map((line) =>
        espeakSamples(line, this.#far.sampleRate).then(
          (samples): Rendered => ({ samples }),
          (err: unknown): Rendered => ({ err }),
        ),
      );
    }
    this.#output.on(voice.AudioOutput.EVENT_PLAYBACK_FINISHED, this.#onPlayoutFinished);
    this.#far.start();
  }

  /** The call is over (either side): no more audio, no pending hang-up. */
  stop(): void {
    this.#output.off(voice.AudioOutput.EVENT_PLAYBACK_FINISHED, this.#onPlayoutFinished);
    this.#clearHangUp();
    this.#onHangUp = null;
    this.#far.stop();
  }

  #agentFinished(ev: voice.PlaybackFinishedEvent): void {
    // Cut off by the caller (barge-in): the caller is already talking, nothing to answer.
    if (ev.interrupted || !this.#onHangUp || this.#far.speaking || this.#preparing) return;
    this.#clearHangUp();
    const index = this.#next;
    const line = this.#opts.lines[index];
    if (line === undefined) {
      this.#hangUpTimer = setTimeout(() => this.#onHangUp?.(), this.#opts.hangUpAfterMs);
      return;
    }
    this.#next++;
    const rendered = this.#rendered[index];
    if (!rendered) {
      this.#speakSynthetic(line);
      return;
    }
    this.#preparing = true;
    void rendered.then((r) => {
      this.#preparing = false;
      if (!this.#onHangUp) return; // hung up meanwhile
      if ('samples' in r) this.#say(r.samples);
      else {
        this.#opts.onSpeechError?.(r.err, line);
        this.#speakSynthetic(line);
      }
    });
  }

  #speakSynthetic(line: string): void {
    const { msPerChar, minLineMs, maxLineMs } = this.#opts;
    const lineMs = Math.min(maxLineMs, Math.max(minLineMs, line.length * msPerChar));
    this.#far.speak(lineMs);
    this.#waitForAnswer(lineMs);
  }

  #say(samples: Int16Array): void {
    this.#far.play(samples);
    this.#waitForAnswer((samples.length * 1000) / this.#far.sampleRate);
  }

  /** An agent that never answers (its recogniser heard nothing) must not keep the line open until max_duration. */
  #waitForAnswer(lineMs: number): void {
    this.#hangUpTimer = setTimeout(() => this.#onHangUp?.(), lineMs + this.#opts.giveUpAfterMs);
  }

  #clearHangUp(): void {
    if (this.#hangUpTimer) clearTimeout(this.#hangUpTimer);
    this.#hangUpTimer = null;
  }
}

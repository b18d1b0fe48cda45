import { voice } from '@livekit/agents';
import type { FarEndAudio } from '../local/far-end';

export interface CallerBotOptions {
  /** What the caller says, one line per turn, in order (the scripted recogniser hands the same lines to the agent). */
  lines: readonly string[];
  /** Spoken length per character of a line, within [minLineMs, maxLineMs]. */
  msPerChar?: number;
  minLineMs?: number;
  maxLineMs?: number;
  /** After the agent's last reply, the caller stays on the line this long, then hangs up. */
  hangUpAfterMs?: number;
  /** A caller who hears no answer this long after finishing a line gives up and hangs up. */
  giveUpAfterMs?: number;
}

/**
 * The sandbox's far end: a caller who waits for the agent to finish speaking, answers with the next scripted
 * line as audio on the line (FarEndAudio), and hangs up once the script is done and the agent's reply has been
 * heard. It only listens to the agent's playout, so the agent's side runs exactly as it would on a real call.
 */
export class CallerBot {
  readonly #far: FarEndAudio;
  readonly #output: voice.AudioOutput;
  readonly #opts: Required<CallerBotOptions>;
  #next = 0;
  #hangUpTimer: NodeJS.Timeout | null = null;
  #onHangUp: (() => void) | null = null;
  readonly #onPlayoutFinished = (ev: voice.PlaybackFinishedEvent) => this.#agentFinished(ev);

  constructor(far: FarEndAudio, output: voice.AudioOutput, opts: CallerBotOptions) {
    this.#far = far;
    this.#output = output;
    this.#opts = { msPerChar: 60, minLineMs: 800, maxLineMs: 4_000, hangUpAfterMs: 1_500, giveUpAfterMs: 15_000, ...opts };
  }

  /** Picks up: the line opens (silence until someone speaks) and the bot starts listening to the agent. */
  start(onHangUp: () => void): void {
    this.#onHangUp = onHangUp;
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
    if (ev.interrupted || !this.#onHangUp || this.#far.speaking) return;
    this.#clearHangUp();
    const line = this.#opts.lines[this.#next];
    if (line !== undefined) {
      this.#next++;
      const { msPerChar, minLineMs, maxLineMs, giveUpAfterMs } = this.#opts;
      const lineMs = Math.min(maxLineMs, Math.max(minLineMs, line.length * msPerChar));
      this.#far.speak(lineMs);
      // An agent that never answers (its recogniser heard nothing) must not keep the line open until max_duration.
      this.#hangUpTimer = setTimeout(() => this.#onHangUp?.(), lineMs + giveUpAfterMs);
      return;
    }
    this.#hangUpTimer = setTimeout(() => this.#onHangUp?.(), this.#opts.hangUpAfterMs);
  }

  #clearHangUp(): void {
    if (this.#hangUpTimer) clearTimeout(this.#hangUpTimer);
    this.#hangUpTimer = null;
  }
}

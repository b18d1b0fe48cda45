import { asLanguageCode, stt, type AudioBuffer } from '@livekit/agents';

/**
 * Scripted "recogniser": hears nothing, returns the next line of the caller's script for each utterance that
 * VAD cuts from the audio (VoiceSession wraps non-streaming STTs in `stt.StreamAdapter` fed by the session's
 * VAD stream). It stands in when no real recogniser is available, and says so in its name: the words come from the
 * script, only the turn-taking comes from the audio. After the script runs out it returns nothing.
 */
export class ScriptedCallerSTT extends stt.STT {
  label = 'local.ScriptedCallerSTT';
  readonly #lines: string[];
  readonly #language: string;
  #next = 0;

  constructor(lines: readonly string[], opts: { language?: string } = {}) {
    super({ streaming: false, interimResults: false });
    this.#lines = [...lines];
    this.#language = opts.language ?? 'en';
  }

  override get provider(): string {
    return 'local';
  }

  override get model(): string {
    return 'scripted-caller';
  }

  /** How many scripted lines have been handed out. */
  get consumed(): number {
    return this.#next;
  }

  protected async _recognize(_audio: AudioBuffer): Promise<stt.SpeechEvent> {
    const text = this.#lines[this.#next] ?? '';
    if (this.#next < this.#lines.length) this.#next++;
    return {
      type: stt.SpeechEventType.FINAL_TRANSCRIPT,
      alternatives: [{ text, language: asLanguageCode(this.#language), startTime: 0, endTime: 0, confidence: text ? 1 : 0 }],
    };
  }

  stream(): stt.SpeechStream {
    throw new Error('ScriptedCallerSTT is non-streaming; AgentSession wraps it in stt.StreamAdapter with the VAD');
  }
}

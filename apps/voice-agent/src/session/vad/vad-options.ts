/** The Silero plugin's options (@livekit/agents-plugin-silero 1.8.1 `VADOptions`), same meaning and defaults. */
export interface BatchedVadOptions {
  /** Speech must last this long (ms) above the threshold before START_OF_SPEECH. */
  minSpeechDuration: number;
  /** Silence must last longer than this (ms) before END_OF_SPEECH. */
  minSilenceDuration: number;
  /** Audio before the speech (ms) included in the speech events' frame. */
  prefixPaddingDuration: number;
  /** At most this much speech (ms) is kept for the speech events' frame. */
  maxBufferedSpeech: number;
  /** A window is speech when its smoothed probability is above this. */
  activationThreshold: number;
}

export const DEFAULT_VAD_OPTIONS: BatchedVadOptions = {
  minSpeechDuration: 50,
  minSilenceDuration: 550,
  prefixPaddingDuration: 500,
  maxBufferedSpeech: 60_000,
  activationThreshold: 0.5,
};

/** The web call's AudioWorklet processors, by the names they register (shared by the worklets and the main thread). */
export const MIC_CAPTURE = 'callplane-mic-capture';
export const AGENT_PLAYBACK = 'callplane-agent-playback';

/** What the playback processor reports to the main thread, about ten times a second: what was actually played. */
export interface PlaybackStats {
  /** Samples of the agent's audio played so far, at `sampleRate` (silence while waiting for audio is not counted). */
  samples: number;
  /** The largest absolute sample value played. */
  peak: number;
  /** RMS over every sample played. */
  rms: number;
  /** Samples dropped because the buffer went past its cap. */
  dropped: number;
  /** The context's rate. */
  sampleRate: number;
}

import type { VAD } from '@livekit/agents';
import { BatchedSileroVad } from './batched-vad';

/** What every call's VAD waits for: 400 ms of silence ends the caller's turn. */
export const CALL_VAD_SILENCE_MS = 400;

/**
 * The VAD a process shares between its calls (the job's prewarm, the sandbox's media plane): Silero, with its
 * inference batched on a thread of its own (BatchedSileroVad) in place of @livekit/agents-plugin-silero's VAD, which
 * says the same but runs the model on the event loop, one window of one call at a time. The one place that choice
 * is made. Silero's model ships in the plugin package: no network.
 */
export async function loadCallVad(): Promise<VAD> {
  const vad = await BatchedSileroVad.load({ minSilenceDuration: CALL_VAD_SILENCE_MS });
  // One VAD serves every call; each live session adds a metrics listener (removed when it ends), so Node's default
  // of 10 would warn "MaxListenersExceeded" from the eleventh concurrent call.
  vad.setMaxListeners(0);
  return vad;
}

import type { AgentState } from './server-events';
import type { TranscriptUpdate } from './transcript';
import type { PlaybackStats } from './worklet-names';

/** `POST /voice/studio/web-call` → 201 (API.md "Web calls"): how the browser joins the call, by the transport the deployment has. */
export type { WebCallCreated } from '@callplane/contracts';

/** What a transport reports while the call runs. */
export interface CallListener {
  state(state: AgentState): void;
  transcript(update: TranscriptUpdate): void;
  /** The call is over, with its reason (the server's `ended` reason, or why the connection closed); said once. */
  ended(reason: string): void;
  /** What the speakers actually played of the agent, when the transport measures it (the PCM transport). */
  played?(stats: PlaybackStats): void;
}

/** The browser's audio for a call: the context (already running) and the microphone in it. */
export interface CallMedia {
  context: AudioContext;
  microphone: MediaStream;
  source: MediaStreamAudioSourceNode;
}

/** A connected call, as the panel drives it. */
export interface CallTransport {
  /** Stops sending the microphone (the call is being ended). */
  stopSending(): void;
  /** Leaves the call and lets go of its audio; nothing is reported after this. */
  close(): void;
}

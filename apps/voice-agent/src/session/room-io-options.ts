import type { voice } from '@livekit/agents';
import type { CallPlan } from './agent-config';
import { SESSION_FRAME_MS } from './windowed-audio-input';

export interface RoomIoOptions {
  inputOptions: Partial<voice.RoomInputOptions>;
  outputOptions: Partial<voice.RoomOutputOptions>;
}

/**
 * How a call's session is linked to its LiveKit room. The input is the caller's participant only (the SIP leg, or the
 * browser of a web call); its leaving is the caller hanging up, which the worker sees first (closeOnDisconnect off).
 * Phone audio is narrowband: 16 kHz is what Silero and the STT vendors take, so no resampling up to the default
 * 24 kHz and back down on every frame. The track is read in frames of one VAD window (SESSION_FRAME_MS), cut by
 * the native audio stream at no cost to the event loop (our patch to @livekit/agents passes `audioFrameSizeMs` on to
 * rtc-node's AudioStream). The transcript is published in the room (`lk.transcription` text streams)
 * only when someone there reads it: a web call's browser shows it live; a SIP participant cannot, so phone calls
 * skip the work.
 */
export function roomIoOptions(plan: Pick<CallPlan, 'direction'>, participantIdentity: string): RoomIoOptions {
  return {
    inputOptions: { participantIdentity, closeOnDisconnect: false, textEnabled: false, audioSampleRate: 16_000, audioFrameSizeMs: SESSION_FRAME_MS },
    outputOptions: { transcriptionEnabled: plan.direction === 'web' },
  };
}

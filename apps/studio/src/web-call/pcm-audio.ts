import micCaptureUrl from './mic-capture.worklet.ts?worker&url';
import playbackUrl from './playback.worklet.ts?worker&url';
import { AGENT_PLAYBACK, MIC_CAPTURE, type PlaybackStats } from './worklet-names';

/**
 * The audio of a call whose media is raw PCM (the sandbox's WebSocket): the microphone through the capture worklet
 * (16 kHz, 20 ms frames of 640 bytes, mic-capture.worklet.ts) out to `send`, and the agent's frames through the
 * playback worklet (jitter buffer, the context's rate, playback.worklet.ts) to the speakers. The worklets are their
 * own bundled files (Vite's `?worker&url`: TypeScript compiled, imports inlined), loaded once per context.
 */
export interface PcmAudio {
  /** One 640-byte frame of the agent's speech. */
  play(frame: ArrayBuffer): void;
  /** The microphone goes quiet for the call: no more frames are sent. */
  stopSending(): void;
  close(): void;
}

export async function startPcmAudio(
  context: AudioContext,
  microphone: AudioNode,
  opts: { send(frame: ArrayBuffer): void; played(stats: PlaybackStats): void },
): Promise<PcmAudio> {
  await Promise.all([context.audioWorklet.addModule(micCaptureUrl), context.audioWorklet.addModule(playbackUrl)]);
  // No outputs: the capture node is a sink, which the context runs without it being connected to the speakers.
  const capture = new AudioWorkletNode(context, MIC_CAPTURE, { numberOfInputs: 1, numberOfOutputs: 0, channelCount: 1, channelCountMode: 'explicit' });
  const playback = new AudioWorkletNode(context, AGENT_PLAYBACK, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
  let sending = true;
  capture.port.onmessage = (e: MessageEvent<ArrayBuffer>) => sending && opts.send(e.data);
  playback.port.onmessage = (e: MessageEvent<PlaybackStats>) => opts.played(e.data);
  microphone.connect(capture);
  playback.connect(context.destination);
  const stopSending = () => {
    if (!sending) return;
    sending = false;
    microphone.disconnect(capture);
    capture.port.postMessage('stop');
  };
  return {
    play: (frame) => playback.port.postMessage(frame, [frame]),
    stopSending,
    close() {
      stopSending();
      playback.port.postMessage('stop');
      playback.disconnect();
    },
  };
}

import { meterPosition } from './pcm';

/** Why the microphone could not be used, in words a person can act on. */
export class MicrophoneError extends Error {}

/** What getUserMedia's refusals mean for the person at the browser (Media Capture and Streams, §getUserMedia errors). */
const REFUSALS: Record<string, string> = {
  NotAllowedError: 'Microphone access was denied. Allow the microphone for this site (the icon in the address bar), then try again.',
  SecurityError: 'Microphone access was denied. Allow the microphone for this site (the icon in the address bar), then try again.',
  NotFoundError: 'No microphone was found. Connect one, then try again.',
  OverconstrainedError: 'No microphone was found. Connect one, then try again.',
  NotReadableError: 'The microphone could not be started: another application may be using it. Close it, then try again.',
  AbortError: 'The microphone could not be started: another application may be using it. Close it, then try again.',
};

/**
 * Asks for the microphone: mono, with the browser's echo cancellation (the agent speaks through the speakers), noise
 * suppression and gain control, as a phone would have. Throws a MicrophoneError with the reason when refused.
 */
export async function openMicrophone(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new MicrophoneError('This page cannot use a microphone: open the studio over HTTPS (or on localhost), in a browser that supports calls.');
  }
  try {
    return await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
  } catch (err) {
    const name = err instanceof Error || err instanceof DOMException ? err.name : '';
    throw new MicrophoneError(REFUSALS[name] ?? `The microphone could not be opened (${name || String(err)}).`);
  }
}

/** Stops every track: the browser's recording indicator goes out. */
export function releaseMicrophone(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}

/** The microphone's level as a meter position in [0, 1] (RMS over the analyser's window, -60 … 0 dBFS). */
export function levelMeter(context: AudioContext, source: AudioNode): { read(): number; stop(): void } {
  const analyser = context.createAnalyser();
  analyser.fftSize = 1024;
  source.connect(analyser);
  const samples = new Float32Array(analyser.fftSize);
  return {
    read() {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const s of samples) sum += s * s;
      return meterPosition(Math.sqrt(sum / samples.length));
    },
    stop: () => source.disconnect(analyser),
  };
}

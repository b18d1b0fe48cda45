import { closeEspeak, espeakSamples } from '../../apps/voice-agent/src/local/espeak-tts';

/** What every bench caller says, and what the STT stand-ins "hear". */
export const CALLER_LINE = 'How much does it cost?';
export const CALLER_RATE = 16_000;

let line: Promise<Int16Array> | undefined;

/**
 * The caller's line as it is said: CALLER_LINE spoken by espeak-ng at 16 kHz, its leading and trailing silence cut.
 * Real speech, not the wordless synthetic voice the sandbox uses: Silero scores that voice below its activation
 * threshold on about one line in 300, depending on what the model heard before (replayed window by window through
 * onnxruntime alone, with no VAD of ours), so a bench speaking it counted the model's doubt as missed turns.
 */
export function callerLine(): Promise<Int16Array> {
  // The synthesis thread (≈ 80 MB) is stopped once the line is made: the calls' processes are measured with it gone.
  line ??= espeakSamples(CALLER_LINE, CALLER_RATE).then(async (samples) => {
    await closeEspeak();
    const voiced = (x: number) => Math.abs(x) > 64;
    const from = samples.findIndex(voiced);
    const to = samples.length - [...samples].reverse().findIndex(voiced);
    return from < 0 ? samples : samples.slice(from, to);
  });
  return line;
}

/** How long the line lasts, ms. */
export const lineMs = (samples: Int16Array): number => Math.round((samples.length * 1000) / CALLER_RATE);

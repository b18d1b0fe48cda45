import { initializeLogger } from '@livekit/agents';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeEspeak, espeakSamples } from './espeak-tts';
import { buildGrammar, normaliseUtterance, PocketsphinxSTT } from './pocketsphinx-stt';
import { toFrames } from './synthetic-voice';

// The caller lines a sandbox script might hold: questions, an apostrophe, a goodbye.
const CALLER_LINES = ['Hello, who is this?', 'What does it cost?', "Yes, that's fine, but how much per month?", 'Okay, goodbye.'];

// The real recogniser is tested, not skipped: jest's global setup installs Debian's pocketsphinx when it is missing.
describe('PocketsphinxSTT (Debian pocketsphinx, JSGF grammar from the caller script)', () => {
  beforeAll(() => {
    initializeLogger({ pretty: false, level: 'silent' });
  });
  afterAll(() => closeEspeak());

  it('is installed on this machine', () => {
    expect(PocketsphinxSTT.isAvailable()).toBe(true);
  });

  // Its speed (about a second a line on an idle 2-core machine) is not asserted: a wall-clock bound fails on a busy one.
  it('recognises each scripted line exactly when espeak speaks it', async () => {
    const stt = new PocketsphinxSTT({ phrases: CALLER_LINES });
    expect(stt.model).toBe('pocketsphinx-jsgf');
    // Spoken in a different order from the script: the grammar accepts any of its lines.
    for (const line of [...CALLER_LINES].reverse()) {
      // What the session hands the recogniser: the VAD's frames of the caller's track (24 kHz here), no lead-in.
      const frames = toFrames(await espeakSamples(line, 24_000), 24_000);
      const event = await stt.recognize(frames);
      expect(event.alternatives?.[0]?.text).toBe(line);
    }
  });

  it('returns what it heard (normalised) for speech outside the grammar, not an error', async () => {
    const stt = new PocketsphinxSTT({ phrases: CALLER_LINES });
    const frames = toFrames(await espeakSamples('What does it cost?', 16_000), 16_000);
    const event = await stt.recognize(frames);
    expect(event.alternatives?.[0]?.text).toBe('What does it cost?');
    const silence = toFrames(new Int16Array(16_000), 16_000);
    const nothing = await stt.recognize(silence);
    expect(CALLER_LINES.map(normaliseUtterance).concat([''])).toContain(normaliseUtterance(nothing.alternatives?.[0]?.text ?? ''));
  });

  it('builds the grammar from normalised lines and leaves out words the dictionary lacks', () => {
    const known = new Set(['hello', 'who', 'is', 'this', "that's", 'fine']);
    const g = buildGrammar(['Hello, who is this?', "That's fine!", 'Call 555 now', 'hello who is this'], (w) => known.has(w));
    expect(g.phrases).toEqual(['hello who is this', "that's fine"]);
    expect(g.skipped).toEqual(['Call 555 now']);
    expect(g.jsgf).toBe("#JSGF V1.0;\ngrammar caller;\npublic <utterance> = hello who is this | that's fine;\n");
    expect(buildGrammar([], () => true).jsgf).toBeNull();
    expect(normaliseUtterance("  ‘Quoted’ words, don't   STOP. ")).toBe("quoted words don't stop");
  });

  it('is unavailable without the binary or the model, and says how to install it', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'no-sphinx-'));
    expect(PocketsphinxSTT.isAvailable({ binDir: empty })).toBe(false);
    expect(PocketsphinxSTT.isAvailable({ modelDir: empty })).toBe(false);
    const stt = new PocketsphinxSTT({ binDir: empty });
    await expect(stt.transcribe(new Int16Array(1600), 16_000)).rejects.toThrow(/apt-get install pocketsphinx pocketsphinx-en-us/);
  });
});

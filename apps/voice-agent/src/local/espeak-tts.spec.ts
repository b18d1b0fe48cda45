import { initializeLogger } from '@livekit/agents';
import type { AudioFrame } from '@livekit/rtc-node';
import { closeEspeak, encodeWav, EspeakTTS, parseWav, resample } from './espeak-tts';

const rms = (s: Int16Array) => Math.sqrt(s.reduce((a, x) => a + x * x, 0) / Math.max(1, s.length));

describe('EspeakTTS (espeak-ng WASM)', () => {
  beforeAll(() => initializeLogger({ pretty: false, level: 'silent' }));
  afterAll(() => closeEspeak());

  it('speaks a sentence as non-silent 20 ms frames at the session rate, of plausible length', async () => {
    const voice = new EspeakTTS();
    const text = 'Hello, I would like to know how much it costs per month.';
    const frames: AudioFrame[] = [];
    const deltas: string[] = [];
    let finals = 0;
    for await (const audio of voice.synthesize(text)) {
      frames.push(audio.frame);
      if (audio.deltaText) deltas.push(audio.deltaText);
      if (audio.final) finals++;
    }
    expect(voice.sampleRate).toBe(24_000);
    expect(frames.length).toBeGreaterThan(10);
    expect(frames.every((f) => f.sampleRate === 24_000 && f.channels === 1)).toBe(true);
    expect(frames.slice(0, -1).every((f) => f.samplesPerChannel === 480)).toBe(true);
    expect(deltas).toEqual([text]);
    expect(finals).toBe(1);

    const seconds = frames.reduce((s, f) => s + f.samplesPerChannel, 0) / 24_000;
    // ~11 words at espeak's 175 words a minute, plus pauses at the commas.
    expect(seconds).toBeGreaterThan(2);
    expect(seconds).toBeLessThan(6);
    const all = new Int16Array(frames.reduce((n, f) => n + f.samplesPerChannel, 0));
    frames.reduce((off, f) => (all.set(f.data, off), off + f.samplesPerChannel), 0);
    expect(rms(all)).toBeGreaterThan(500);
    // Speech, not a constant: a good share of 20 ms frames carry energy.
    expect(frames.filter((f) => rms(f.data) > 300).length / frames.length).toBeGreaterThan(0.4);
  });

  it('renders at 16 kHz when asked, and says nothing for blank text', async () => {
    const voice = new EspeakTTS({ sampleRate: 16_000 });
    const frames: AudioFrame[] = [];
    for await (const audio of voice.synthesize('Goodbye.')) frames.push(audio.frame);
    expect(frames[0]!.sampleRate).toBe(16_000);
    expect(frames[0]!.samplesPerChannel).toBe(320);
    const silent: AudioFrame[] = [];
    for await (const audio of voice.synthesize('   ')) silent.push(audio.frame);
    expect(silent).toEqual([]);
  });

  it('round-trips WAV and resamples a tone without changing its pitch or level', () => {
    const tone = new Int16Array(22_050).map((_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 22_050)));
    const wav = parseWav(encodeWav(tone, 22_050));
    expect(wav.sampleRate).toBe(22_050);
    expect(wav.samples).toEqual(tone);
    const out = resample(tone, 22_050, 16_000);
    expect(out.length).toBe(16_000);
    let crossings = 0;
    for (let i = 1; i < out.length; i++) if (out[i - 1]! < 0 && out[i]! >= 0) crossings++;
    expect(crossings).toBeGreaterThanOrEqual(438);
    expect(crossings).toBeLessThanOrEqual(442);
    expect(rms(out.subarray(100, -100))).toBeGreaterThan(5400);
    expect(rms(out.subarray(100, -100))).toBeLessThan(5900);
  });
});

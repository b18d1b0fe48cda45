import type { VoiceConfig } from '@callplane/contracts';
import { initializeLogger } from '@livekit/agents';
import * as cartesia from '@livekit/agents-plugin-cartesia';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import * as openai from '@livekit/agents-plugin-openai';
import { EspeakTTS } from '../local/espeak-tts';
import { PocketsphinxSTT } from '../local/pocketsphinx-stt';
import { ScriptedIntentLLM } from '../local/scripted-llm';
import { ScriptedCallerSTT } from '../local/scripted-stt';
import { SyntheticVoiceTTS } from '../local/synthetic-voice';
import { choosePlugins, localRecognizerNotice, pocketsphinxAvailable, providerKeysFromEnv, UnsupportedProviderError } from './plugins';

const voice = (stt: Partial<VoiceConfig['stt']>, tts: Partial<VoiceConfig['tts']>): VoiceConfig => ({
  greeting: 'Hi',
  stt: { provider: 'deepgram', model: 'nova-3', language: 'en', ...stt },
  tts: { provider: 'cartesia', model: 'sonic-2', voice: 'voice-1', ...tts },
  max_duration: 600,
  recording: false,
  transcription: true,
});
const allKeys = { deepgram: 'dg', openai: 'oa', cartesia: 'ca', elevenlabs: 'el' };

describe('choosePlugins', () => {
  beforeAll(() => initializeLogger({ pretty: false, level: 'silent' }));

  it('uses the official plugins when the providers have keys', () => {
    const set = choosePlugins(voice({}, {}), { keys: allKeys, llmModel: 'gpt-4o-mini' });
    expect(set.stt).toBeInstanceOf(deepgram.STT);
    expect(set.tts).toBeInstanceOf(cartesia.TTS);
    expect(set.llm).toBeInstanceOf(openai.LLM);
    expect(set.chosen).toEqual({
      stt: { provider: 'deepgram', model: 'nova-3', source: 'plugin' },
      tts: { provider: 'cartesia', model: 'sonic-2', source: 'plugin' },
      llm: { provider: 'openai', model: 'gpt-4o-mini', source: 'plugin' },
    });
  });

  it.each([
    ['elevenlabs', elevenlabs.TTS],
    ['deepgram', deepgram.TTS],
    ['openai', openai.TTS],
  ] as const)('builds the %s TTS plugin', (provider, cls) => {
    expect(choosePlugins(voice({}, { provider, model: provider === 'deepgram' ? 'aura-2' : 'm', voice: provider === 'openai' ? 'alloy' : 'andromeda-en' }), { keys: allKeys }).tts).toBeInstanceOf(cls);
  });

  it('builds the OpenAI STT plugin', () => {
    expect(choosePlugins(voice({ provider: 'openai', model: 'gpt-4o-transcribe' }, {}), { keys: allKeys }).stt).toBeInstanceOf(openai.STT);
  });

  it('falls back to the local voice stack when a provider has no key: espeak, pocketsphinx, rule-based LLM', () => {
    const set = choosePlugins(voice({}, { provider: 'elevenlabs' }), { keys: {}, callerScript: ['Hello there.'], pocketsphinxAvailable: true });
    expect(set.stt).toBeInstanceOf(PocketsphinxSTT);
    expect(set.tts).toBeInstanceOf(EspeakTTS);
    expect(set.llm).toBeInstanceOf(ScriptedIntentLLM);
    expect(set.chosen).toEqual({
      stt: { provider: 'local', model: 'pocketsphinx-jsgf', source: 'local', reason: 'no_api_key' },
      tts: { provider: 'local', model: 'espeak-ng', source: 'local', reason: 'no_api_key' },
      llm: { provider: 'local', model: 'scripted-intents', source: 'local', reason: 'no_api_key' },
    });
    expect(set.tts.sampleRate).toBe(24_000);
  });

  it('falls back to the clearly named scripted recogniser when pocketsphinx is not installed, and marks why', () => {
    const set = choosePlugins(voice({}, {}), { keys: {}, callerScript: ['Hello there.'], pocketsphinxAvailable: false });
    expect(set.stt).toBeInstanceOf(ScriptedCallerSTT);
    expect(set.stt.label).toBe('local.ScriptedCallerSTT');
    expect(set.tts).toBeInstanceOf(EspeakTTS);
    expect(set.chosen.stt).toEqual({ provider: 'local', model: 'scripted-caller', source: 'local', reason: 'no_api_key', fallback: 'pocketsphinx_unavailable' });
  });

  it('says so in one line at start only when pocketsphinx is missing', () => {
    expect(localRecognizerNotice(true)).toBeNull();
    const notice = localRecognizerNotice(false)!;
    expect(notice).toMatch(/pocketsphinx is not installed.*local\.ScriptedCallerSTT.*apt-get install pocketsphinx pocketsphinx-en-us/);
    expect(notice).not.toContain('\n');
    // Without an argument it probes this machine.
    expect(localRecognizerNotice() === null).toBe(pocketsphinxAvailable());
  });

  it('uses the local stack when the agent asks for provider local, even with keys', () => {
    const set = choosePlugins(voice({ provider: 'local', model: 'pocketsphinx' }, { provider: 'local', model: 'espeak' }), { keys: allKeys, pocketsphinxAvailable: true, localVoice: { sampleRate: 16_000 } });
    expect(set.stt).toBeInstanceOf(PocketsphinxSTT);
    expect(set.chosen.stt.model).toBe('pocketsphinx');
    expect(set.tts).toBeInstanceOf(EspeakTTS);
    expect(set.tts.sampleRate).toBe(16_000);
    expect(set.chosen.tts.reason).toBe('configured_local');
  });

  it('picks the wordless stand-ins by model name (tests that drive synthetic audio)', () => {
    const set = choosePlugins(voice({ provider: 'local', model: 'scripted' }, { provider: 'local', model: 'synthetic' }), { keys: allKeys, pocketsphinxAvailable: true });
    expect(set.stt).toBeInstanceOf(ScriptedCallerSTT);
    expect(set.tts).toBeInstanceOf(SyntheticVoiceTTS);
    expect(set.chosen.stt).toEqual({ provider: 'local', model: 'scripted-caller', source: 'local', reason: 'configured_local' });
    expect(set.chosen.tts).toEqual({ provider: 'local', model: 'synthetic-voice', source: 'local', reason: 'configured_local' });
  });

  it('refuses providers it has no plugin for (a config written around the API), naming what is supported', () => {
    expect(() => choosePlugins(voice({ provider: 'assemblyai' as never }, {}), { keys: allKeys })).toThrow(UnsupportedProviderError);
    expect(() => choosePlugins(voice({}, { provider: 'azure' as never }), { keys: allKeys })).toThrow(/unknown TTS provider "azure".*supported: cartesia, elevenlabs, deepgram, openai, local/);
    expect(() => choosePlugins(voice({}, { provider: 'acme' as never }), { keys: allKeys })).toThrow(/unknown TTS provider "acme"/);
  });

  it('reads keys from the environment, ignoring empty values', () => {
    expect(providerKeysFromEnv({ DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: '', ELEVENLABS_API_KEY: 'el' })).toEqual({ deepgram: 'dg', openai: undefined, cartesia: undefined, elevenlabs: 'el' });
  });
});

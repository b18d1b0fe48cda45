import type { VoiceConfig } from '@callplane/contracts';
import { initializeLogger } from '@livekit/agents';
import * as cartesia from '@livekit/agents-plugin-cartesia';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import * as openai from '@livekit/agents-plugin-openai';
import { ScriptedIntentLLM } from '../local/scripted-llm';
import { ScriptedCallerSTT } from '../local/scripted-stt';
import { SyntheticVoiceTTS } from '../local/synthetic-voice';
import { choosePlugins, providerKeysFromEnv, UnsupportedProviderError } from './plugins';

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

  it('falls back to the local stand-ins when a provider has no key, and says why', () => {
    const set = choosePlugins(voice({}, { provider: 'elevenlabs' }), { keys: {}, callerScript: ['hello'] });
    expect(set.stt).toBeInstanceOf(ScriptedCallerSTT);
    expect(set.tts).toBeInstanceOf(SyntheticVoiceTTS);
    expect(set.llm).toBeInstanceOf(ScriptedIntentLLM);
    expect(set.chosen.stt).toEqual({ provider: 'local', model: 'scripted-caller', source: 'local', reason: 'no_api_key' });
    expect(set.chosen.tts.reason).toBe('no_api_key');
  });

  it('uses the stand-ins when the agent asks for provider local, even with keys', () => {
    const set = choosePlugins(voice({ provider: 'local' }, { provider: 'local' }), { keys: allKeys });
    expect(set.stt).toBeInstanceOf(ScriptedCallerSTT);
    expect(set.tts).toBeInstanceOf(SyntheticVoiceTTS);
    expect(set.chosen.tts.reason).toBe('configured_local');
  });

  it('refuses providers it has no plugin for, and unknown ones, naming what is supported', () => {
    expect(() => choosePlugins(voice({ provider: 'assemblyai' }, {}), { keys: allKeys })).toThrow(UnsupportedProviderError);
    expect(() => choosePlugins(voice({}, { provider: 'azure' }), { keys: allKeys })).toThrow(/TTS provider "azure" is accepted by the API but has no plugin.*supported: cartesia, elevenlabs, deepgram, openai, local/);
    expect(() => choosePlugins(voice({}, { provider: 'acme' as never }), { keys: allKeys })).toThrow(/unknown TTS provider "acme"/);
  });

  it('reads keys from the environment, ignoring empty values', () => {
    expect(providerKeysFromEnv({ DEEPGRAM_API_KEY: 'dg', OPENAI_API_KEY: '', ELEVENLABS_API_KEY: 'el' })).toEqual({ deepgram: 'dg', openai: undefined, cartesia: undefined, elevenlabs: 'el' });
  });
});

import { STT_PROVIDERS, TTS_PROVIDERS, type VoiceConfig } from '@callplane/contracts';
import type { llm, stt, tts } from '@livekit/agents';
import * as cartesia from '@livekit/agents-plugin-cartesia';
import * as deepgram from '@livekit/agents-plugin-deepgram';
import * as elevenlabs from '@livekit/agents-plugin-elevenlabs';
import * as openai from '@livekit/agents-plugin-openai';
import { EspeakTTS } from '../local/espeak-tts';
import { PocketsphinxSTT } from '../local/pocketsphinx-stt';
import { ScriptedIntentLLM } from '../local/scripted-llm';
import { ScriptedCallerSTT } from '../local/scripted-stt';
import { SyntheticVoiceTTS } from '../local/synthetic-voice';

/** Vendor credentials the worker holds (one set per deployment; BYOK per tenant comes later). */
export interface ProviderKeys {
  deepgram?: string;
  openai?: string;
  cartesia?: string;
  elevenlabs?: string;
}

/** The keys from `*_API_KEY` variables (empty counts as unset); read once, by the service's config. */
export function providerKeysFromEnv(env: NodeJS.ProcessEnv): ProviderKeys {
  const key = (name: string) => (env[name] ? env[name] : undefined);
  return { deepgram: key('DEEPGRAM_API_KEY'), openai: key('OPENAI_API_KEY'), cartesia: key('CARTESIA_API_KEY'), elevenlabs: key('ELEVENLABS_API_KEY') };
}

/** A provider in the agent's config that this worker cannot run. Not retryable: the agent's config must change. */
export class UnsupportedProviderError extends Error {
  override readonly name = 'UnsupportedProviderError';
  readonly retryable = false;

  constructor(
    readonly kind: 'stt' | 'tts',
    readonly provider: string,
  ) {
    super(`unknown ${kind.toUpperCase()} provider "${provider}" (supported: ${supported(kind).join(', ')})`);
  }
}

// The contract's lists are exactly the providers with a plugin here (an agent naming another is refused when saved).
const STT_PLUGINS: readonly string[] = STT_PROVIDERS;
const TTS_PLUGINS: readonly string[] = TTS_PROVIDERS;
const supported = (kind: 'stt' | 'tts'): readonly string[] => (kind === 'stt' ? STT_PLUGINS : TTS_PLUGINS);

/** Which implementation was picked for one stage, and why, for the call's log line. */
export interface StageChoice {
  provider: string;
  model: string;
  /** `local` = a stand-in: asked for (provider `local`) or because the provider's key is not configured. */
  source: 'plugin' | 'local';
  reason?: 'configured_local' | 'no_api_key';
  /** The local recogniser is the scripted one because pocketsphinx is not installed (see `localRecognizerNotice`). */
  fallback?: 'pocketsphinx_unavailable';
}

export interface PluginSet {
  stt: stt.STT;
  llm: llm.LLM;
  tts: tts.TTS;
  chosen: { stt: StageChoice; llm: StageChoice; tts: StageChoice };
}

export interface ChoosePluginsOptions {
  keys: ProviderKeys;
  /** The agent config has no LLM field yet: OpenAI chat with this model when OPENAI_API_KEY is set. */
  llmModel?: string;
  /**
   * The caller's expected lines (the sandbox scripts): the grammar PocketsphinxSTT recognises against, and what
   * the scripted recogniser returns, in order, when pocketsphinx is not installed.
   */
  callerScript?: readonly string[];
  /** Options for the local voice: the espeak voice's rate (default 24 kHz), the synthetic voice's pace. */
  localVoice?: { msPerChar?: number; sampleRate?: number; voice?: string };
  /** Whether pocketsphinx can run here; default: probed once (`PocketsphinxSTT.isAvailable()`). Tests set it. */
  pocketsphinxAvailable?: boolean;
}

let probed: boolean | undefined;
/** Whether pocketsphinx and its English model are installed (probed once per process). */
export function pocketsphinxAvailable(): boolean {
  probed ??= PocketsphinxSTT.isAvailable();
  return probed;
}

/**
 * The one line to print at start (the all-in-one, the worker) when calls on the local stack will not really
 * listen to the caller; null when pocketsphinx is installed.
 */
export function localRecognizerNotice(available: boolean = pocketsphinxAvailable()): string | null {
  return available
    ? null
    : 'pocketsphinx is not installed: local calls use the scripted recogniser (local.ScriptedCallerSTT), which returns the caller script\'s next line for each utterance instead of recognising speech; install it with `apt-get install pocketsphinx pocketsphinx-en-us`';
}

/**
 * Builds the STT, LLM and TTS for a call from the agent's `voice` config: the official plugin when the
 * provider's key is configured, the local stack otherwise (so a sandbox call runs with no accounts and no
 * network): espeak-ng speech (EspeakTTS), pocketsphinx recognition against the caller script's grammar
 * (PocketsphinxSTT; the scripted recogniser when pocketsphinx is not installed) and the rule-based
 * ScriptedIntentLLM. Provider `local` picks a local stage explicitly: model `synthetic` is the wordless synthetic
 * voice, `scripted` the scripted recogniser (tests that drive synthetic audio); any other model is the default.
 * A provider it does not know (a config saved before the contract narrowed, or written around the API) is
 * refused with `UnsupportedProviderError` before anything is constructed. Constructing a
 * plugin does not touch the network; connections open on first use.
 */
export function choosePlugins(voice: VoiceConfig, opts: ChoosePluginsOptions): PluginSet {
  const sttProvider = voice.stt.provider as string;
  const ttsProvider = voice.tts.provider as string;
  if (!STT_PLUGINS.includes(sttProvider)) throw new UnsupportedProviderError('stt', sttProvider);
  if (!TTS_PLUGINS.includes(ttsProvider)) throw new UnsupportedProviderError('tts', ttsProvider);
  const { keys } = opts;

  const sttPick = pickStt(voice.stt, keys, opts.callerScript ?? [], opts.pocketsphinxAvailable ?? pocketsphinxAvailable());
  const ttsPick = pickTts(voice.tts, keys, opts.localVoice);
  const llmModel = opts.llmModel ?? 'gpt-4o-mini';
  const llmPick: [llm.LLM, StageChoice] = keys.openai
    ? [new openai.LLM({ apiKey: keys.openai, model: llmModel }), { provider: 'openai', model: llmModel, source: 'plugin' }]
    : [new ScriptedIntentLLM(), { provider: 'local', model: 'scripted-intents', source: 'local', reason: 'no_api_key' }];

  return { stt: sttPick[0], tts: ttsPick[0], llm: llmPick[0], chosen: { stt: sttPick[1], tts: ttsPick[1], llm: llmPick[1] } };
}

const SCRIPTED_STT_MODELS = ['scripted', 'scripted-caller'];
const SYNTHETIC_TTS_MODELS = ['synthetic', 'synthetic-voice'];

function pickStt(cfg: VoiceConfig['stt'], keys: ProviderKeys, script: readonly string[], sphinx: boolean): [stt.STT, StageChoice] {
  const local = (reason: StageChoice['reason']): [stt.STT, StageChoice] => {
    const scripted = cfg.provider === 'local' && SCRIPTED_STT_MODELS.includes(cfg.model);
    if (!scripted && sphinx) {
      const recogniser = new PocketsphinxSTT({ phrases: script, language: cfg.language });
      return [recogniser, { provider: 'local', model: recogniser.model, source: 'local', reason }];
    }
    return [
      new ScriptedCallerSTT(script, { language: cfg.language }),
      { provider: 'local', model: 'scripted-caller', source: 'local', reason, ...(scripted ? {} : { fallback: 'pocketsphinx_unavailable' as const }) },
    ];
  };
  const plugin = (s: stt.STT): [stt.STT, StageChoice] => [s, { provider: cfg.provider, model: cfg.model, source: 'plugin' }];
  switch (cfg.provider) {
    case 'deepgram':
      return keys.deepgram ? plugin(new deepgram.STT({ apiKey: keys.deepgram, model: cfg.model, language: cfg.language })) : local('no_api_key');
    case 'openai':
      return keys.openai ? plugin(new openai.STT({ apiKey: keys.openai, model: cfg.model, language: cfg.language })) : local('no_api_key');
    default:
      return local('configured_local');
  }
}

function pickTts(cfg: VoiceConfig['tts'], keys: ProviderKeys, localVoice: ChoosePluginsOptions['localVoice']): [tts.TTS, StageChoice] {
  const local = (reason: StageChoice['reason']): [tts.TTS, StageChoice] =>
    cfg.provider === 'local' && SYNTHETIC_TTS_MODELS.includes(cfg.model)
      ? [new SyntheticVoiceTTS(localVoice), { provider: 'local', model: 'synthetic-voice', source: 'local', reason }]
      : [new EspeakTTS({ sampleRate: localVoice?.sampleRate, voice: localVoice?.voice }), { provider: 'local', model: 'espeak-ng', source: 'local', reason }];
  const plugin = (t: tts.TTS): [tts.TTS, StageChoice] => [t, { provider: cfg.provider, model: cfg.model, source: 'plugin' }];
  switch (cfg.provider) {
    case 'cartesia':
      return keys.cartesia ? plugin(new cartesia.TTS({ apiKey: keys.cartesia, model: cfg.model, voice: cfg.voice })) : local('no_api_key');
    case 'elevenlabs':
      return keys.elevenlabs ? plugin(new elevenlabs.TTS({ apiKey: keys.elevenlabs, model: cfg.model, voiceId: cfg.voice })) : local('no_api_key');
    case 'deepgram':
      // Aura names the voice inside the model id (`aura-2-andromeda-en`); accept either the full id as the voice
      // or model `aura-2` + voice `andromeda-en`.
      return keys.deepgram
        ? plugin(new deepgram.TTS({ apiKey: keys.deepgram, model: cfg.voice.startsWith('aura') ? cfg.voice : `${cfg.model}-${cfg.voice}` }))
        : local('no_api_key');
    case 'openai':
      return keys.openai ? plugin(new openai.TTS({ apiKey: keys.openai, model: cfg.model, voice: cfg.voice as openai.TTSVoices })) : local('no_api_key');
    default:
      return local('configured_local');
  }
}

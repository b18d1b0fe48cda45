import type { VAD } from '@livekit/agents';
import type { CallPlan } from '../session/agent-config';
import { choosePlugins, type PluginSet } from '../session/plugins';
import type { SandboxSettings } from './sandbox-call';

/** What a sandbox call's session hears and speaks with: its STT, LLM and TTS, and the VAD it runs. */
export interface SandboxVoice {
  plugins: PluginSet;
  /** The VAD the session runs, given the worker's shared Silero (loaded on the first answered call). */
  vad(shared: VAD): VAD;
}

/** A sandbox call's voice, from its plan. */
export type SandboxVoiceStack = (call: { plan: CallPlan; sessionId: string; settings: SandboxSettings }) => SandboxVoice;

/**
 * The sandbox's voice, with no vendor keys: espeak-ng speech, pocketsphinx listening for the caller script (the
 * scripted recogniser when pocketsphinx is not installed), the rule-based LLM, and the worker's Silero. Every sandbox
 * call runs it; the voice bench alone passes another stack (stand-ins of fixed latency) through the voice agent's
 * `sandboxVoice` option.
 */
export const localVoiceStack: SandboxVoiceStack = ({ plan, settings }) => ({
  plugins: choosePlugins(plan.voice, { keys: {}, callerScript: settings.callerScript, localVoice: { msPerChar: settings.msPerChar } }),
  vad: (shared) => shared,
});

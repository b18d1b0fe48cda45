/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import type { CallTranscriptData, CallUsageData, VoiceConfig } from '@callplane/contracts';
import { callTranscriptDataSchema, callUsageDataSchema } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { DEFAULT_API_CONNECT_OPTIONS, initializeLogger, llm, voice as lkVoice, type APIConnectOptions, type VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import pino from 'pino';
import { PlayoutAudioOutput, PushAudioInput } from '../local/audio-io';
import { FarEndAudio } from '../local/far-end';
import type { CallPlan } from './agent-config';
import { VoiceSession, type CallEventSink } from './voice-session';
import { choosePlugins } from './plugins';
import type { TurnObserver } from './turn-metrics';

const voice: VoiceConfig = {
  greeting: 'Hi Asha, Ava here.',
  tts: { provider: 'local', model: 'synthetic', voice: 'default' },
  stt: { provider: 'local', model: 'scripted', language: 'en' },
  max_duration: 600,
  recording: false,
  transcription: true,
};
const INSTRUCTIONS = ['You are Ava.', 'INTENT price | cost => It is ten dollars.', 'INTENT bye | goodbye => Goodbye Asha! [end_call]', 'FALLBACK => Sorry?'].join('\n');

function plan(overrides: Partial<CallPlan> = {}): CallPlan {
  return {
    sessionId: 'sess_1',
    tenantId: 'ten_1',
    direction: 'outbound',
    callType: 'production',
    agent: { id: 'agt_1', name: 'Ava' },
    instructions: INSTRUCTIONS,
    greeting: voice.greeting,
    voice,
    context: {},
    maxDurationSeconds: 60,
    fromNumber: '+14155550100',
    toNumber: '+14155550199',
    phoneId: null,
    ...overrides,
  };
}

/** An LLM that never says anything: every caller turn goes unanswered. */
class SilentLLM extends llm.LLM {
  label(): string {
    return 'spec.SilentLLM';
  }
  chat({ chatCtx, toolCtx, connOptions = DEFAULT_API_CONNECT_OPTIONS }: { chatCtx: llm.ChatContext; toolCtx?: llm.ToolContextLike; connOptions?: APIConnectOptions }): llm.LLMStream {
    return new SilentStream(this, { chatCtx, toolCtx, connOptions });
  }
}
class SilentStream extends llm.LLMStream {
  protected async run(): Promise<void> {}
}

class RecordingTurns implements TurnObserver {
  latencies: number[] = [];
  missedTurns = 0;
  answered(latencySeconds: number) {
    this.latencies.push(latencySeconds);
  }
  missed() {
    this.missedTurns++;
  }
}

class RecordingSink implements CallEventSink {
  transcripts: CallTranscriptData[] = [];
  usages: CallUsageData[] = [];
  transcript(d: CallTranscriptData) {
    this.transcripts.push(callTranscriptDataSchema.parse(d));
  }
  usage(d: CallUsageData) {
    callUsageDataSchema.parse(d);
    this.usages.push(d);
  }
  get turns() {
    return this.transcripts.flatMap((t) => t.turns);
  }
}

describe('VoiceSession (real audio frames through AgentSession, Silero VAD, local stand-ins)', () => {
  let vad: VAD;
  const running: Array<{ far: FarEndAudio; call: VoiceSession }> = [];

  beforeAll(async () => {
    initializeLogger({ pretty: false, level: process.env.AGENTS_LOG ?? 'silent' /* AGENTS_LOG=debug to see the framework's log */ });
    // Silero ships its ONNX model in the plugin package and runs on onnxruntime-node's CPU build: no network.
    vad = await silero.VAD.load({ minSilenceDuration: 400 });
  });

  afterAll(async () => {
    await vad.close();
  });

  afterEach(async () => {
    for (const { far, call } of running.splice(0)) {
      far.stop();
      call.callerHungUp();
      await call.ended;
    }
  });

  function startCall(p: CallPlan, callerScript: string[], opts: { llm?: llm.LLM } = {}) {
    const input = new PushAudioInput();
    const output = new PlayoutAudioOutput(24_000);
    const sink = new RecordingSink();
    const turns = new RecordingTurns();
    const chosen = choosePlugins(p.voice, { keys: {}, callerScript, localVoice: { msPerChar: 40 } });
    const plugins = { ...chosen, ...(opts.llm ? { llm: opts.llm } : {}) };
    const call = new VoiceSession({ plan: p, sessionId: p.sessionId!, plugins, vad, media: { kind: 'replaced', input, output }, sink, logger: pino({ level: 'silent' }), usageIntervalMs: 60_000, turns });
    const far = new FarEndAudio(input);
    running.push({ far, call });
    return { call, far, output, sink, input, turns };
  }

  it('greets first, answers a caller utterance, and reports the turns in order and the usage', async () => {
    const { call, far, output, sink, turns } = startCall(plan(), ['What does it cost?']);
    far.start();
    await call.start();

    // The greeting is the first thing on the line: agent audio before the caller says anything.
    const greeting = await pollUntil(() => (output.segments[0]?.finishedAt ? output.segments[0] : undefined), { description: 'greeting played out' });
    expect(greeting.frames.length).toBeGreaterThan(0);
    expect(greeting.frames[0]!.sampleRate).toBe(24_000);
    expect(sink.turns[0]).toMatchObject({ seq: 0, role: 'agent', text: 'Hi Asha, Ava here.' });

    far.speak(1_200);
    await pollUntil(() => sink.turns.length >= 3, { timeoutMs: 15_000, description: 'caller turn and agent reply' });
    expect(sink.turns.map((t) => [t.seq, t.role, t.text])).toEqual([
      [0, 'agent', 'Hi Asha, Ava here.'],
      [1, 'caller', 'What does it cost?'],
      [2, 'agent', 'It is ten dollars.'],
    ]);
    // The reply was heard as audio too, after the caller's speech.
    await pollUntil(() => output.segments.length >= 2, { description: 'reply audio' });

    far.stop();
    call.callerHungUp();
    const outcome = await call.ended;
    expect(outcome.endReason).toBe('caller_hangup');
    const final = sink.usages[sink.usages.length - 1]!;
    expect(final.report_seq).toBe(sink.usages.length);
    expect(final.llm).toEqual([expect.objectContaining({ provider: 'local', model: 'scripted-intents' })]);
    expect(final.llm![0]!.completion_tokens).toBeGreaterThan(0);
    expect(final.tts![0]).toMatchObject({ provider: 'local', model: 'synthetic-voice', characters: 'Hi Asha, Ava here.'.length + 'It is ten dollars.'.length });
    expect(final.stt![0]!.seconds).toBeGreaterThan(1);
    // One caller turn, answered (not missed); its latency (end of the caller's speech to the reply's first audio) is
    // observed at most once, and the greeting answered no one. At most: @livekit/agents 1.8.1 leaves the reply's
    // e2eLatency out when its own end-of-turn timestamps come out inverted, which a loaded machine makes happen
    // (`_computeEndOfTurnMetrics` in voice/audio_recognition.js); turn-metrics.spec covers what we do with it.
    expect(turns.latencies.length).toBeLessThanOrEqual(1);
    for (const latency of turns.latencies) expect(latency).toBeGreaterThan(0);
    expect(turns.missedTurns).toBe(0);
  });

  it('runs one voice-activity pass per call: a non-streaming STT cuts its utterances at the session VAD stream events', async () => {
    // The scripted recogniser is non-streaming, as pocketsphinx is: @livekit/agents alone would open a second VAD stream for it.
    expect(choosePlugins(voice, { keys: {}, callerScript: [] }).stt.capabilities.streaming).toBe(false);
    const opened = jest.spyOn(vad, 'stream');
    try {
      const { call, far, output, sink } = startCall(plan(), ['What does it cost?', 'Okay, goodbye.']);
      far.start();
      await call.start();
      await pollUntil(() => output.segments[0]?.finishedAt, { description: 'greeting played out' });
      far.speak(1_200);
      await pollUntil(() => sink.turns.length >= 3, { timeoutMs: 15_000, description: 'first caller turn and reply' });
      far.speak(1_000);
      const outcome = await call.ended;
      expect(outcome.endReason).toBe('agent_hangup');
      // Each utterance was recognised, in order, from the one stream's end of speech.
      expect(sink.turns.filter((t) => t.role === 'caller').map((t) => t.text)).toEqual(['What does it cost?', 'Okay, goodbye.']);
      expect(outcome.usage.stt![0]!.seconds).toBeGreaterThan(2);
      expect(opened).toHaveBeenCalledTimes(1);
    } finally {
      opened.mockRestore();
    }
  });

  it('counts a caller turn the agent never answers as missed when the caller speaks again; a caller hanging up misses nothing', async () => {
    const { call, far, output, sink, turns } = startCall(plan(), ['What does it cost?', 'Hello, are you there?'], { llm: new SilentLLM() });
    far.start();
    await call.start();
    await pollUntil(() => output.segments[0]?.finishedAt, { description: 'greeting played out' });
    far.speak(1_200);
    await pollUntil(() => sink.turns.some((t) => t.role === 'caller'), { timeoutMs: 15_000, description: 'the first caller turn' });
    expect(turns.missedTurns).toBe(0);
    far.speak(1_200);
    await pollUntil(() => sink.turns.filter((t) => t.role === 'caller').length >= 2, { timeoutMs: 15_000, description: 'the second caller turn' });
    expect(turns.missedTurns).toBe(1);
    far.stop();
    call.callerHungUp();
    await call.ended;
    // The second turn was still waiting when the caller left: not the agent's failure.
    expect(turns.missedTurns).toBe(1);
    expect(turns.latencies).toEqual([]);
    expect(sink.turns.filter((t) => t.role === 'agent').map((t) => t.text)).toEqual(['Hi Asha, Ava here.']);
  });

  it('hangs up through the end_call tool after the goodbye is heard', async () => {
    const { call, far, output, sink } = startCall(plan(), ['Okay, goodbye.']);
    far.start();
    await call.start();
    await pollUntil(() => output.segments[0]?.finishedAt, { description: 'greeting played out' });
    far.speak(1_000);
    const outcome = await call.ended;
    expect(outcome.endReason).toBe('agent_hangup');
    expect(sink.turns.map((t) => t.text)).toEqual(['Hi Asha, Ava here.', 'Okay, goodbye.', 'Goodbye Asha!']);
    const goodbye = output.segments[output.segments.length - 1]!;
    expect(goodbye.interrupted).toBe(false);
    expect(goodbye.finishedAt).toBeDefined();
  });

  it('speaks nothing before the session starts; the greeting is the first utterance, after start', async () => {
    const { call, far, output, sink, input } = startCall(plan(), ['What does it cost?']);
    let callerFrames = 0;
    const push = input.push.bind(input);
    input.push = (frame) => {
      callerFrames++;
      push(frame);
    };
    const frameTimes: number[] = [];
    output.on('frame', () => frameTimes.push(Date.now()));
    // The line is open (the far end streams silence) but the call is not connected yet: no agent audio.
    far.start();
    await pollUntil(() => callerFrames >= 10, { description: '200 ms of the caller line streamed' });
    expect(frameTimes).toEqual([]);
    expect(output.segments).toHaveLength(0);
    const startedAt = Date.now();
    await call.start();
    const greeting = await pollUntil(() => (output.segments[0]?.finishedAt ? output.segments[0] : undefined), { description: 'greeting played out' });
    expect(frameTimes.length).toBeGreaterThan(0);
    expect(frameTimes[0]!).toBeGreaterThanOrEqual(startedAt);
    expect(greeting.capturedAt).toBeGreaterThanOrEqual(startedAt);
    expect(greeting.interrupted).toBe(false);
    // The synthetic voice speaks msPerChar (40 ms) per character: the whole greeting, nothing else, came first.
    expect(greeting.durationMs).toBeGreaterThan(0);
    expect(sink.turns).toEqual([expect.objectContaining({ seq: 0, role: 'agent', text: plan().greeting })]);
  });

  it('ends promptly with caller_hangup when the caller hangs up while the agent is speaking', async () => {
    const long = 'Hi Asha, Ava here. I am calling about your plan, and I have quite a lot to tell you about it today, so please bear with me.';
    const { call, far, output } = startCall(plan({ greeting: long }), []);
    far.start();
    await call.start();
    await pollUntil(() => output.segments[0], { description: 'greeting started' });
    far.stop();
    call.callerHungUp();
    const outcome = await call.ended;
    expect(outcome.endReason).toBe('caller_hangup');
    // Nothing more is said to nobody: the session cuts the greeting (~5 s of audio) rather than play it out.
    const [greeting] = output.segments;
    expect(greeting!.interrupted).toBe(true);
    expect(greeting!.finishedAt! - greeting!.startsAt).toBeLessThan(greeting!.durationMs);
    expect(output.segments).toHaveLength(1);
    expect(outcome.usage.session_id).toBe('sess_1');
  });

  it('lets the caller barge in: caller speech during the greeting interrupts its playback, then the agent answers', async () => {
    const long = 'Hi Asha, Ava here. I am calling about your plan, and I have quite a lot to tell you about it today, so please bear with me.';
    const { call, far, output, sink } = startCall(plan({ greeting: long }), ['What does it cost?']);
    const finished: lkVoice.PlaybackFinishedEvent[] = [];
    output.on(lkVoice.AudioOutput.EVENT_PLAYBACK_FINISHED, (ev: lkVoice.PlaybackFinishedEvent) => finished.push(ev));
    far.start();
    await call.start();
    const greeting = await pollUntil(() => output.segments[0], { description: 'greeting started' });
    far.speak(1_200);
    await pollUntil(() => finished[0], { timeoutMs: 10_000, description: 'greeting playback finished' });
    // Cut off by the caller: reported interrupted, at a position short of the greeting's length (how far short
    // depends on how busy the machine is, so no margin is asserted).
    expect(finished[0]!.interrupted).toBe(true);
    expect(greeting.interrupted).toBe(true);
    expect(finished[0]!.playbackPosition * 1000).toBeLessThan(greeting.durationMs);
    // The caller was heard and answered.
    await pollUntil(() => sink.turns.find((t) => t.role === 'agent' && t.text === 'It is ten dollars.'), { timeoutMs: 15_000, description: 'agent reply' });
    expect(sink.turns.find((t) => t.role === 'caller')?.text).toBe('What does it cost?');
  });

  it('stops at max duration with a closing line', async () => {
    const { call, far, output, sink } = startCall(plan({ maxDurationSeconds: 2 }), []);
    far.start();
    const startedAt = Date.now();
    await call.start();
    const outcome = await call.ended;
    expect(outcome.endReason).toBe('max_duration');
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(2_000);
    expect(sink.turns.map((t) => t.text)).toEqual(['Hi Asha, Ava here.', 'We have reached the time limit for this call. Thank you, goodbye.']);
    expect(output.segments).toHaveLength(2);
    expect(output.segments[1]!.finishedAt).toBeDefined();
  });
});

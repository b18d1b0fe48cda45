/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import type { CallTranscriptData, VoiceConfig } from '@callplane/contracts';
import { pollUntil } from '@callplane/testing';
import { initializeLogger, type VAD } from '@livekit/agents';
import * as silero from '@livekit/agents-plugin-silero';
import { AudioFrame } from '@livekit/rtc-node';
import pino from 'pino';
import type { CallPlan } from '../session/agent-config';
import { VoiceSession } from '../session/voice-session';
import { choosePlugins } from '../session/plugins';
import { PlayoutAudioOutput, PushAudioInput } from './audio-io';
import { closeEspeak, espeakSamples } from './espeak-tts';
import { PocketsphinxSTT } from './pocketsphinx-stt';

const voice: VoiceConfig = {
  greeting: 'Hello, this is Ava.',
  tts: { provider: 'local', model: 'espeak', voice: 'default' },
  stt: { provider: 'local', model: 'pocketsphinx', language: 'en' },
  max_duration: 600,
  recording: false,
  transcription: true,
};
const CALLER = ['Who is this?', 'How much does it cost?', 'Okay, goodbye.'];

/** The caller's line in real time: 20 ms frames of silence, with espeak speech wherever `say` puts it. */
function pacedLine(input: PushAudioInput, rate = 16_000) {
  const queue: Int16Array[] = [];
  const size = rate / 50;
  const started = Date.now();
  let sent = 0;
  const timer = setInterval(() => {
    while (sent + size <= ((Date.now() - started) * rate) / 1000) {
      const data = new Int16Array(size);
      let filled = 0;
      while (filled < size && queue.length) {
        const head = queue[0]!;
        const take = Math.min(head.length, size - filled);
        data.set(head.subarray(0, take), filled);
        filled += take;
        if (take === head.length) queue.shift();
        else queue[0] = head.subarray(take);
      }
      input.push(new AudioFrame(data, rate, 1, size));
      sent += size;
    }
  }, 20);
  return { say: async (text: string) => void queue.push(await espeakSamples(text, rate)), stop: () => clearInterval(timer) };
}

describe('local voice stack in a call: espeak speech in, pocketsphinx recognition, espeak speech out', () => {
  let vad: VAD;
  beforeAll(async () => {
    initializeLogger({ pretty: false, level: 'silent' });
    vad = await silero.VAD.load({ minSilenceDuration: 400 });
  });
  afterAll(async () => {
    await vad.close();
    await closeEspeak();
  });

  it('hears the caller say a scripted line and answers it', async () => {
    expect(PocketsphinxSTT.isAvailable()).toBe(true);
    const plan: CallPlan = {
      sessionId: 'sess_local',
      tenantId: 'ten_1',
      direction: 'outbound',
      callType: 'production',
      agent: { id: 'agt_1', name: 'Ava' },
      instructions: ['You are Ava.', 'INTENT cost | price => It is ten dollars a month.', 'INTENT goodbye => Goodbye! [end_call]', 'FALLBACK => Sorry?'].join('\n'),
      greeting: voice.greeting,
      voice,
      context: {},
      maxDurationSeconds: 60,
      fromNumber: '+14155550100',
      toNumber: '+14155550199',
      phoneId: null,
    };
    const plugins = choosePlugins(voice, { keys: {}, callerScript: CALLER });
    expect(plugins.chosen.stt.model).toBe('pocketsphinx-jsgf');
    expect(plugins.chosen.tts.model).toBe('espeak-ng');
    const input = new PushAudioInput();
    const output = new PlayoutAudioOutput(24_000);
    const transcripts: CallTranscriptData[] = [];
    const turns = () => transcripts.flatMap((t) => t.turns);
    const call = new VoiceSession({ plan, sessionId: 'sess_local', plugins, vad, media: { kind: 'replaced', input, output }, sink: { transcript: (d) => void transcripts.push(d), usage: () => {} }, logger: pino({ level: 'silent' }), usageIntervalMs: 60_000 });
    const line = pacedLine(input);
    try {
      await call.start();
      await pollUntil(() => output.segments[0]?.finishedAt, { timeoutMs: 15_000, description: 'greeting played out' });
      await line.say('How much does it cost?');
      await pollUntil(() => turns().length >= 3, { timeoutMs: 20_000, description: 'caller turn and reply' });
      expect(turns().map((t) => [t.role, t.text])).toEqual([
        ['agent', 'Hello, this is Ava.'],
        ['caller', 'How much does it cost?'],
        ['agent', 'It is ten dollars a month.'],
      ]);
      await line.say('Okay, goodbye.');
      const outcome = await call.ended;
      expect(outcome.endReason).toBe('agent_hangup');
      expect(turns().map((t) => t.text).slice(3)).toEqual(['Okay, goodbye.', 'Goodbye!']);
    } finally {
      line.stop();
      input.end();
      call.callerHungUp();
      await call.ended;
    }
  }, 60_000);
});

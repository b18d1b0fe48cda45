/**
 * @jest-environment ./apps/voice-agent/test/host-typed-arrays.environment.js
 */
import { pollUntil } from '@callplane/testing';
import { voice } from '@livekit/agents';
import { EventEmitter } from 'node:events';
import { closeEspeak, espeakSamples } from '../local/espeak-tts';
import type { FarEndAudio } from '../local/far-end';
import { CallerBot } from './caller-bot';

/** A far end that records what the bot puts on the line. */
function fakeFarEnd() {
  const played: Int16Array[] = [];
  const spokenMs: number[] = [];
  const far = {
    sampleRate: 16_000,
    speaking: false,
    start: jest.fn(),
    stop: jest.fn(),
    play: (samples: Int16Array) => void played.push(samples),
    speak: (ms: number) => void spokenMs.push(ms),
  };
  return { far: far as unknown as FarEndAudio, played, spokenMs };
}

const agentFinished = (output: EventEmitter, interrupted = false) => output.emit(voice.AudioOutput.EVENT_PLAYBACK_FINISHED, { interrupted, playbackPosition: 0 });

describe('CallerBot', () => {
  afterAll(async () => {
    await closeEspeak();
  });

  it('answers each agent turn with its next line spoken by espeak-ng, then hangs up after the last reply', async () => {
    const { far, played, spokenMs } = fakeFarEnd();
    const output = new EventEmitter();
    const hungUp = jest.fn();
    const bot = new CallerBot(far, output as unknown as voice.AudioOutput, { lines: ['How much does it cost?', 'Goodbye.'], hangUpAfterMs: 50 });
    bot.start(hungUp);
    try {
      agentFinished(output);
      await pollUntil(() => played.length === 1, { description: 'the first line on the line' });
      expect(played[0]).toEqual(await espeakSamples('How much does it cost?', 16_000));
      expect(played[0]!.length).toBeGreaterThan(16_000 / 2);

      agentFinished(output, true); // cut off by the caller: no answer
      agentFinished(output);
      await pollUntil(() => played.length === 2, { description: 'the second line on the line' });
      expect(played[1]).toEqual(await espeakSamples('Goodbye.', 16_000));
      expect(spokenMs).toEqual([]);

      expect(hungUp).not.toHaveBeenCalled();
      agentFinished(output);
      await pollUntil(() => hungUp.mock.calls.length === 1, { description: 'the bot to hang up after the last reply' });
    } finally {
      bot.stop();
    }
  });

  it('speaks the wordless synthetic voice when asked to', async () => {
    const { far, played, spokenMs } = fakeFarEnd();
    const output = new EventEmitter();
    const bot = new CallerBot(far, output as unknown as voice.AudioOutput, { lines: ['Hello there.'], voice: 'synthetic', msPerChar: 100 });
    bot.start(() => {});
    agentFinished(output);
    bot.stop();
    expect(spokenMs).toEqual([1_200]);
    expect(played).toEqual([]);
  });
});

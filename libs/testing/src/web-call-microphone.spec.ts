import { WEB_CALL_AUDIO } from '@callplane/contracts';
import { WebCallMicrophone } from './web-call-microphone';

const samplesPerFrame = WEB_CALL_AUDIO.frameBytes / 2;
const ramp = (from: number, n: number) => Int16Array.from({ length: n }, (_, i) => from + i);
const samplesOf = (frame: Buffer) => Array.from({ length: frame.length / 2 }, (_, i) => frame.readInt16LE(i * 2));

describe('WebCallMicrophone', () => {
  it('hands out silence when there is nothing to say', () => {
    const { frame, speech } = new WebCallMicrophone().nextFrame();
    expect(frame).toHaveLength(WEB_CALL_AUDIO.frameBytes);
    expect(speech).toBe(false);
    expect(samplesOf(frame).every((s) => s === 0)).toBe(true);
  });

  it('splits what it is told to say into whole frames, in order, across utterances, and pads the last with silence', () => {
    const mic = new WebCallMicrophone();
    mic.say(ramp(1, samplesPerFrame + 100));
    mic.say(ramp(-500, 50));
    const first = mic.nextFrame();
    const second = mic.nextFrame();
    expect(samplesOf(first.frame)).toEqual(Array.from(ramp(1, samplesPerFrame)));
    expect(samplesOf(second.frame)).toEqual([...ramp(samplesPerFrame + 1, 100), ...ramp(-500, 50), ...new Array(samplesPerFrame - 150).fill(0)]);
    expect([first.speech, second.speech, mic.nextFrame().speech]).toEqual([true, true, false]);
  });
});

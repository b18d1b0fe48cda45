import { initializeLogger } from '@livekit/agents';
import { AudioFrame } from '@livekit/rtc-node';
import { PushAudioInput } from '../local/audio-io';
import { SESSION_FRAME_MS, WindowedAudioInput } from './windowed-audio-input';

class RecordingInput extends PushAudioInput {
  readonly attached: boolean[] = [];
  closed = false;

  override setAttached(attached: boolean): void {
    this.attached.push(attached);
  }

  override async close(): Promise<void> {
    this.closed = true;
    await super.close();
  }
}

const frame10ms = (n: number) => new AudioFrame(new Int16Array(160).fill(n), 16_000, 1, 160);

describe('WindowedAudioInput', () => {
  beforeAll(() => initializeLogger({ pretty: false, level: 'silent' }));

  it('hands the session the far end’s 10 ms frames as frames of one VAD window, every sample in order', async () => {
    expect(SESSION_FRAME_MS).toBe(32);
    const source = new RecordingInput();
    const input = new WindowedAudioInput(source);
    const reader = input.stream.getReader();
    for (let n = 1; n <= 16; n++) source.push(frame10ms(n));
    const read: AudioFrame[] = [];
    for (let i = 0; i < 5; i++) read.push((await reader.read()).value!);
    expect(read.map((f) => f.samplesPerChannel)).toEqual([512, 512, 512, 512, 512]);
    // 2,560 samples: frames 1–16 end to end, each sample once.
    const all = read.flatMap((f) => Array.from(f.data));
    expect(all).toEqual(Array.from({ length: 16 }, (_, i) => new Array(160).fill(i + 1)).flat());
    reader.releaseLock();
    await input.close();
    expect(source.closed).toBe(true);
  });

  it('holds a part window back until the rest of it arrives, rather than handing on a short frame', async () => {
    const source = new RecordingInput();
    const input = new WindowedAudioInput(source);
    const reader = input.stream.getReader();
    // Asked for before there is a whole window: three frames are 480 samples, a window 512.
    const first = reader.read();
    for (let n = 1; n <= 3; n++) source.push(frame10ms(n));
    source.push(frame10ms(4));
    const { value } = await first;
    // The first frame out is a whole window, its end from the fourth frame in.
    expect(value!.samplesPerChannel).toBe(512);
    expect([value!.data[0], value!.data[479], value!.data[480], value!.data[511]]).toEqual([1, 3, 4, 4]);
    reader.releaseLock();
    await input.close();
  });

  it('mutes and unmutes its source, as the session mutes the input it is given', () => {
    const source = new RecordingInput();
    const input = new WindowedAudioInput(source);
    input.setAttached(false);
    input.setAttached(true);
    expect(source.attached).toEqual([false, true]);
  });
});

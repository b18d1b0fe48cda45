import { roomIoOptions } from './room-io-options';

describe('roomIoOptions', () => {
  it('publishes the transcript in the room for a web call, whose browser shows it live', () => {
    const { inputOptions, outputOptions } = roomIoOptions({ direction: 'web' }, 'web-caller');
    expect(outputOptions.transcriptionEnabled).toBe(true);
    expect(inputOptions).toMatchObject({ participantIdentity: 'web-caller', closeOnDisconnect: false, audioSampleRate: 16_000, audioFrameSizeMs: 32 });
  });

  it.each(['inbound', 'outbound'] as const)('does not publish it for a %s phone call (a SIP participant cannot read it)', (direction) => {
    const { inputOptions, outputOptions } = roomIoOptions({ direction }, 'sip_+14155550100');
    expect(outputOptions.transcriptionEnabled).toBe(false);
    expect(inputOptions).toMatchObject({ participantIdentity: 'sip_+14155550100', closeOnDisconnect: false, textEnabled: false, audioSampleRate: 16_000, audioFrameSizeMs: 32 });
  });
});

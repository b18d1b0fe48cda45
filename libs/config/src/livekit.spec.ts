import { livekitKeyPair, livekitSettings } from './livekit';

describe('livekitSettings', () => {
  const all = { LIVEKIT_URL: 'https://livekit.example.com', LIVEKIT_API_KEY: 'APIkey', LIVEKIT_API_SECRET: 'secret', LIVEKIT_SIP_HOST: 'sip.example.com' };

  it('is the URL and key pair when all three are set, without the SIP host unless asked for', () => {
    expect(livekitSettings(all)).toEqual({ url: all.LIVEKIT_URL, apiKey: 'APIkey', apiSecret: 'secret' });
    expect(livekitSettings(all, { sipHost: true })).toEqual({ url: all.LIVEKIT_URL, apiKey: 'APIkey', apiSecret: 'secret', sipHost: 'sip.example.com' });
  });

  it.each(['LIVEKIT_URL', 'LIVEKIT_API_KEY', 'LIVEKIT_API_SECRET'] as const)('is undefined without %s', (name) => {
    expect(livekitSettings({ ...all, [name]: undefined })).toBeUndefined();
    expect(livekitSettings({ ...all, [name]: undefined }, { sipHost: true })).toBeUndefined();
  });

  it('needs the SIP host only when asked for it', () => {
    const noSip = { ...all, LIVEKIT_SIP_HOST: undefined };
    expect(livekitSettings(noSip)).toEqual({ url: all.LIVEKIT_URL, apiKey: 'APIkey', apiSecret: 'secret' });
    expect(livekitSettings(noSip, { sipHost: true })).toBeUndefined();
  });
});

describe('livekitKeyPair', () => {
  it('is the pair when both halves are set, whatever the URL', () => {
    expect(livekitKeyPair({ LIVEKIT_API_KEY: 'APIkey', LIVEKIT_API_SECRET: 'secret' })).toEqual({ apiKey: 'APIkey', apiSecret: 'secret' });
    expect(livekitKeyPair({ LIVEKIT_API_KEY: 'APIkey' })).toBeUndefined();
    expect(livekitKeyPair({ LIVEKIT_API_SECRET: 'secret' })).toBeUndefined();
  });
});

import twilio from 'twilio';
import { twimlDialSip, twimlDialSipWithSdk, twimlSayHangup, twimlSayHangupWithSdk } from './twiml';

describe('TwiML', () => {
  const tricky = [
    'sip:+14155550142@sip.livekit.example.com',
    'sip:+14155550142@h;transport=tcp?X-Callplane-Session=cs_1&x=<2>',
    'a & b < c > d " \' ]]> --> <!-- é',
    'tabs\tnew\nlines\r\ncarriage\r',
    '&amp; already &lt;escaped&gt;',
    '漢字 and ü',
    '😀 outside the plane',
    '',
    ' ',
    'lone \ud800 surrogate',
    'bad \ufffe char',
    'nul \u0000 byte',
    'bell \u0007',
  ];
  const same = (ours: () => string, sdk: () => string) => {
    let expected: string | Error;
    try {
      expected = sdk();
    } catch (e) {
      expected = e as Error;
    }
    if (expected instanceof Error) expect(ours).toThrow(expected.message);
    else expect(ours()).toBe(expected);
  };

  it('<Dial><Sip> is byte for byte what the SDK writes, for tricky URIs and credentials', () => {
    for (const uri of tricky) {
      for (const opts of [{}, { username: 'u', password: 'p' }, { username: tricky[2], password: tricky[3] }, { username: '', password: 'only "password"' }, { statusCallback: 'https://x.example.com/s?a=1&b="2"' }]) {
        same(
          () => twimlDialSip(uri, opts),
          () => twimlDialSipWithSdk(uri, opts),
        );
      }
    }
    for (const v of tricky) same(() => twimlDialSip('sip:a@b', { username: v, password: v, statusCallback: v }), () => twimlDialSipWithSdk('sip:a@b', { username: v, password: v, statusCallback: v }));
  });

  it('<Say><Hangup/> is byte for byte what the SDK writes, for tricky messages', () => {
    for (const message of tricky) same(() => twimlSayHangup(message), () => twimlSayHangupWithSdk(message));
  });

  it('the SDK reference is the SDK itself', () => {
    const r = new twilio.twiml.VoiceResponse();
    r.say('Hi & bye');
    r.hangup();
    expect(twimlSayHangupWithSdk('Hi & bye')).toBe(r.toString());
    expect(twimlSayHangup('Hi & bye')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Hi &amp; bye</Say><Hangup/></Response>');
  });
});

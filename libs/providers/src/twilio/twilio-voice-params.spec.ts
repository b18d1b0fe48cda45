import { formParams, parseTwilioVoiceParams } from './twilio-voice-params';

const SID = `CA${'0123456789abcdef'.repeat(2)}`;

describe('parseTwilioVoiceParams', () => {
  it('reads the call of a real webhook', () => {
    expect(parseTwilioVoiceParams({ CallSid: SID, From: '+919876543210', To: '+14155550142', CallStatus: 'ringing' })).toEqual({
      ok: true,
      call: { providerCallId: SID, from: '+919876543210', to: '+14155550142' },
    });
    expect(parseTwilioVoiceParams({ CallSid: SID.toUpperCase().replace(/^CA/, 'CA'), From: 'anonymous', To: 'x'.repeat(64) })).toMatchObject({ ok: true });
  });

  it.each([
    ['no CallSid', { From: '+1', To: '+2' }, 'CallSid'],
    ['a CallSid that is not one', { CallSid: `CB${'0'.repeat(32)}`, From: '+1', To: '+2' }, 'CallSid'],
    ['a CallSid one character long', { CallSid: `${SID}0`, From: '+1', To: '+2' }, 'CallSid'],
    ['a CallSid with a non-hex character', { CallSid: `CA${'g'.repeat(32)}`, From: '+1', To: '+2' }, 'CallSid'],
    ['an empty From', { CallSid: SID, From: '', To: '+2' }, 'From'],
    ['a From with a control character', { CallSid: SID, From: '+1\u0000', To: '+2' }, 'From'],
    ['a To with DEL', { CallSid: SID, From: '+1', To: '+2\u007f' }, 'To'],
    ['a To with a newline', { CallSid: SID, From: '+1', To: '+2\n' }, 'To'],
    ['a To 65 characters long', { CallSid: SID, From: '+1', To: 'x'.repeat(65) }, 'To'],
    ['no To', { CallSid: SID, From: '+1' }, 'To'],
  ])('refuses %s, naming the parameter', (_what, params, field) => {
    const res = parseTwilioVoiceParams(params as Record<string, string>);
    expect(res.ok).toBe(false);
    if (!res.ok) expect(res.issues.map((i) => i.field)).toContain(field);
  });
});

describe('formParams', () => {
  it('keeps string parameters of a form body and drops repeated ones', () => {
    expect(formParams({ a: '1', b: ['2', '3'], c: '' }, 'application/x-www-form-urlencoded; charset=utf-8')).toEqual({ a: '1', c: '' });
  });
  it('yields nothing for another content type or no body', () => {
    expect(formParams({ a: '1' }, 'application/json')).toEqual({});
    expect(formParams(undefined, 'application/x-www-form-urlencoded')).toEqual({});
    expect(formParams({ a: '1' }, undefined)).toEqual({});
  });
});

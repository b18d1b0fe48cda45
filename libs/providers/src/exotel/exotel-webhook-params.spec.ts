import { exotelParams, parseExotelPassthruParams, parseExotelStatusParams } from './exotel-webhook-params';

const SID = 'b6cfaf5f5cef3ca0fc937749ef960e25';

describe('Exotel webhook parameters', () => {
  describe('Passthru', () => {
    it('reads CallSid, CallFrom and CallTo as sent', () => {
      expect(parseExotelPassthruParams({ CallSid: SID, CallFrom: '09876543210', CallTo: '09513886363', Direction: 'incoming' })).toEqual({
        ok: true,
        call: { providerCallId: SID, from: '09876543210', to: '09513886363' },
      });
    });

    it.each([
      [{ CallFrom: '0987', CallTo: '0951' }, ['CallSid']],
      [{ CallSid: 'has spaces in it', CallFrom: '0987', CallTo: '0951' }, ['CallSid']],
      [{ CallSid: SID, CallTo: '0951' }, ['CallFrom']],
      [{ CallSid: SID, CallFrom: '', CallTo: '0951' }, ['CallFrom']],
      [{ CallSid: SID, CallFrom: '0987\u0000', CallTo: '0951' }, ['CallFrom']],
      [{}, ['CallSid', 'CallFrom', 'CallTo']],
    ])('names every bad field: %j', (params, fields) => {
      const res = parseExotelPassthruParams(params as Record<string, string>);
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.issues.map((i) => i.field)).toEqual(fields);
    });
  });

  describe('StatusCallback', () => {
    it.each([
      ['completed', 'completed'],
      ['busy', 'busy'],
      ['no-answer', 'no_answer'],
      ['failed', 'failed'],
    ])('Status %s → %s', (status, state) => {
      const res = parseExotelStatusParams({ CallSid: SID, Status: status });
      expect(res).toEqual({ ok: true, report: { providerCallId: SID, state } });
    });

    it('reads the duration, DialCallDuration first', () => {
      expect(parseExotelStatusParams({ CallSid: SID, Status: 'completed', DialCallDuration: '42', ConversationDuration: '40' })).toMatchObject({ report: { durationSeconds: 42 } });
      expect(parseExotelStatusParams({ CallSid: SID, Status: 'completed', ConversationDuration: '40' })).toMatchObject({ report: { durationSeconds: 40 } });
    });

    it.each([['ringing'], ['in-progress'], ['COMPLETED'], ['']])('refuses Status %p', (status) => {
      const res = parseExotelStatusParams({ CallSid: SID, Status: status });
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.issues.map((i) => i.field)).toEqual(['Status']);
    });

    it('refuses a missing Status or CallSid and a duration that is not seconds', () => {
      const res = parseExotelStatusParams({ DialCallDuration: 'ten' });
      expect(res.ok).toBe(false);
      if (!res.ok) expect(res.issues.map((i) => i.field).sort()).toEqual(['CallSid', 'DialCallDuration', 'Status']);
    });
  });

  it('merges query and body as strings, the body winning; arrays and nested values are dropped', () => {
    expect(exotelParams({ CallSid: 'q', CallFrom: ['a', 'b'], X: 'x' }, { CallSid: 'b', DialCallDuration: 12, Legs: [{ Status: 'completed' }] }, undefined, 'text')).toEqual({
      CallSid: 'b',
      X: 'x',
      DialCallDuration: '12',
    });
  });

  it('treats __proto__ and constructor as plain parameter names', () => {
    const params = exotelParams(JSON.parse('{"__proto__": "x", "constructor": "y", "CallSid": "z"}'));
    expect(Object.keys(params).sort()).toEqual(['CallSid', '__proto__', 'constructor']);
    expect(params.constructor).toBe('y');
    expect(Object.getPrototypeOf(params)).toBeNull();
  });
});

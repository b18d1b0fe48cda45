import { newCallSid, twilioSignature } from '@callplane/testing';
import { CARRIERS } from '../registry/carriers';
import type { CarrierWebhookRequest, WebhookNumber } from '../webhooks/carrier-webhooks';
import { twilioWebhookFormat } from './twilio.webhooks';

const TOKEN = 'twilio-auth-token-0123456789abcdef';
const URL_CALLED = 'https://voice.example.com/twilio/incoming/pn_twilio_webhooks';
const webhooks = twilioWebhookFormat.create();

const number = (over: Partial<WebhookNumber> = {}): WebhookNumber => ({ id: 'pn_twilio_webhooks', number: '+919876500001', country: 'IN', signingKey: TOKEN, credentials: null, ...over });
const request = (params: Record<string, string>, signature: string | undefined, url = URL_CALLED): CarrierWebhookRequest => ({
  publicUrl: url,
  header: (name) => (name === 'x-twilio-signature' ? signature : undefined),
  params,
});

describe('Twilio-format webhooks', () => {
  it('is the format of Twilio numbers and bring-your-own numbers, and of no other carrier', () => {
    expect(CARRIERS.twilio.webhooks).toBe(twilioWebhookFormat);
    expect(CARRIERS.sip.webhooks).toBe(twilioWebhookFormat);
    expect(CARRIERS.exotel.webhooks).not.toBe(twilioWebhookFormat);
    expect('webhooks' in CARRIERS.plivo).toBe(false);
    expect('webhooks' in CARRIERS.vobiz).toBe(false);
    expect(twilioWebhookFormat.create()).toBe(webhooks);
  });

  describe('signing key', () => {
    it("is the number's signing secret when it has one, else its account's auth token, else none", () => {
      expect(twilioWebhookFormat.signingKey({ signingSecret: 'byo-secret', credentials: { account_sid: 'AC1', auth_token: 'tok' } })).toBe('byo-secret');
      expect(twilioWebhookFormat.signingKey({ signingSecret: null, credentials: { account_sid: 'AC1', auth_token: 'tok' } })).toBe('tok');
      expect(twilioWebhookFormat.signingKey({ signingSecret: null, credentials: { account_sid: 'AC1' } })).toBeNull();
      expect(twilioWebhookFormat.signingKey({ signingSecret: null, credentials: null })).toBeNull();
    });
  });

  describe('verifySignature', () => {
    const params = { CallSid: newCallSid(), From: '+14155550100', To: '+919876500001' };

    it('accepts X-Twilio-Signature computed with the signing key over the URL called and the form', () => {
      expect(webhooks.verifySignature(number(), request(params, twilioSignature(TOKEN, URL_CALLED, params)))).toBeNull();
    });

    it('refuses a missing signature, another key, another URL or another form with invalid_signature', () => {
      const refusals = [
        request(params, undefined),
        request(params, twilioSignature('another-token', URL_CALLED, params)),
        request(params, twilioSignature(TOKEN, 'https://voice.example.com/twilio/incoming/pn_other', params)),
        request({ ...params, From: '+14155550199' }, twilioSignature(TOKEN, URL_CALLED, params)),
      ].map((r) => webhooks.verifySignature(number(), r));
      for (const refusal of refusals) expect(refusal).toEqual({ code: 'invalid_signature', message: expect.stringContaining('X-Twilio-Signature'), reason: 'signature' });
    });

    it('takes the requests of a number with no signing key as they come', () => {
      expect(webhooks.verifySignature(number({ signingKey: null }), request(params, undefined))).toBeNull();
    });
  });

  describe('parseInbound', () => {
    it("reads the call in our words, numbers in E.164 in the called number's country", () => {
      const callSid = newCallSid();
      expect(webhooks.parseInbound(number(), { CallSid: callSid, From: '09052161119', To: '+919876500001', AccountSid: 'AC1' })).toEqual({
        ok: true,
        value: { providerCallId: callSid, from: '+919052161119', to: '+919876500001' },
      });
      // North American carriers often send 1 + ten digits with no plus sign.
      expect(webhooks.parseInbound(number({ country: 'US', number: '+14155550142' }), { CallSid: callSid, From: '14155551234', To: '4155550142' })).toMatchObject({
        value: { from: '+14155551234', to: '+14155550142' },
      });
    });

    it('keeps a withheld caller as sent, and the called number when To does not read as one', () => {
      expect(webhooks.parseInbound(number(), { CallSid: newCallSid(), From: 'anonymous', To: 'sip:whatever' })).toMatchObject({ value: { from: 'anonymous', to: '+919876500001' } });
    });

    it('names each missing or malformed parameter, by its Twilio name', () => {
      const parsed = webhooks.parseInbound(number(), { CallSid: 'CA123', From: '+14155550100' });
      expect(parsed).toMatchObject({ ok: false, message: 'The webhook is missing Twilio voice parameters.' });
      expect(!parsed.ok && parsed.issues.map((i) => i.field).sort()).toEqual(['CallSid', 'To']);
    });
  });

  describe('parseStatus', () => {
    it("reads a forwarded leg's callback as a report on its parent call, with duration, SIP status and time", () => {
      const [parent, leg] = [newCallSid(), newCallSid()];
      expect(
        webhooks.parseStatus({ CallSid: leg, ParentCallSid: parent, CallStatus: 'completed', CallDuration: '42', SipResponseCode: '200', Timestamp: 'Wed, 25 Nov 2026 10:01:00 +0000' }),
      ).toEqual({ ok: true, value: { providerCallId: parent, state: 'completed', durationSeconds: 42, sipStatus: 200, at: new Date('2026-11-25T10:01:00Z') } });
      expect(webhooks.parseStatus({ CallSid: leg, CallStatus: 'no-answer' })).toEqual({ ok: true, value: { providerCallId: leg, state: 'no_answer' } });
    });

    it('names a status Twilio does not document', () => {
      const parsed = webhooks.parseStatus({ CallSid: newCallSid(), CallStatus: 'exploded' });
      expect(parsed).toMatchObject({ ok: false, message: 'The status callback is missing or has malformed Twilio parameters.', issues: [{ field: 'CallStatus' }] });
    });
  });

  describe('answers', () => {
    it('forwards to the SIP URI with the trunk credentials, the leg reported to the status callback', () => {
      const twiml = webhooks.connect('sip:+919876500001@sip.example.com;transport=tcp', {
        sipAuth: { username: 'u1', password: 'p&1' },
        statusCallbackUrl: 'https://voice.example.com/twilio/status/pn_1',
      });
      expect(twiml).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true"><Sip username="u1" password="p&amp;1" statusCallback="https://voice.example.com/twilio/status/pn_1" ' +
          'statusCallbackEvent="initiated ringing answered completed" statusCallbackMethod="POST">sip:+919876500001@sip.example.com;transport=tcp</Sip></Dial></Response>',
      );
      expect(webhooks.connect('sip:+1@h', { sipAuth: null })).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true"><Sip>sip:+1@h</Sip></Dial></Response>');
    });

    it('says a message and hangs up, as text/xml', () => {
      expect(webhooks.sayAndHangUp('Closed. Tom & Jerry')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>Closed. Tom &amp; Jerry</Say><Hangup/></Response>');
      expect(webhooks.contentType).toBe('text/xml');
    });
  });

  it('serves every number of its format, and asks the carrier nothing', () => {
    expect(webhooks.serves(number({ signingKey: null }))).toBe(true);
    expect(webhooks.confirmCall).toBeUndefined();
  });
});

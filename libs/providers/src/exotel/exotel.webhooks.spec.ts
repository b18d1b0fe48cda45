import { randomBytes } from 'node:crypto';
import { FakeExotel } from '@callplane/testing';
import { CARRIERS } from '../registry/carriers';
import type { CarrierWebhooks, WebhookNumber } from '../webhooks/carrier-webhooks';
import { exotelWebhookFormat } from './exotel.webhooks';

const SID = 'acme_webhooks';
const CREDS = { api_key: 'key-acme', api_token: 'token-acme-secret', account_sid: SID };
const newSid = () => randomBytes(16).toString('hex');

/** Exotel's webhooks against FakeExotel's Call Details API (a fake on port 0 that records every lookup). */
describe('Exotel webhooks', () => {
  const fake = new FakeExotel({ accounts: [{ sid: SID, apiKey: CREDS.api_key, apiToken: CREDS.api_token }, { sid: 'someone_else', apiKey: 'k2', apiToken: 't2' }] });
  let webhooks: CarrierWebhooks;
  const number = (over: Partial<WebhookNumber> = {}): WebhookNumber => ({ id: `pn_${newSid()}`, number: '+919513886399', country: 'IN', signingKey: null, credentials: CREDS, ...over });

  beforeAll(async () => {
    // Roomy: a loaded machine must not turn the fake's answers into timeouts.
    webhooks = exotelWebhookFormat.create({ apiBaseUrl: await fake.start(), timeoutMs: 10_000 });
  });
  afterAll(() => fake.stop());

  it("is the Exotel carrier's format; its numbers are signed by nothing", () => {
    expect(CARRIERS.exotel.webhooks).toBe(exotelWebhookFormat);
    expect(exotelWebhookFormat.signingKey({ signingSecret: 'x', credentials: CREDS })).toBeNull();
    expect(webhooks.verifySignature(number(), { publicUrl: 'https://voice.example.com/exotel/incoming/pn_1', header: () => undefined, params: {} })).toBeNull();
  });

  it('serves only numbers whose Exotel credentials we hold: the only ones whose calls can be confirmed', () => {
    expect(webhooks.serves(number())).toBe(true);
    expect(webhooks.serves(number({ credentials: null }))).toBe(false);
  });

  describe('parseInbound', () => {
    it('reads the Passthru call with the caller in E.164 (Exotel writes 0-prefixed national numbers) and this number as the one called', () => {
      const sid = newSid();
      expect(webhooks.parseInbound(number(), { CallSid: sid, CallFrom: '09876543210', CallTo: '09513886399', Direction: 'incoming' })).toEqual({
        ok: true,
        value: { providerCallId: sid, from: '+919876543210', to: '+919513886399' },
      });
      expect(webhooks.parseInbound(number(), { CallSid: sid, CallFrom: 'withheld', CallTo: '09513886399' })).toMatchObject({ value: { from: 'withheld' } });
    });

    it("names each missing or malformed parameter by Exotel's name", () => {
      expect(webhooks.parseInbound(number(), { CallSid: '../..', CallTo: '09513886399' })).toEqual({
        ok: false,
        message: 'The request is missing Exotel Passthru parameters.',
        issues: [expect.objectContaining({ field: 'CallSid' }), { field: 'CallFrom', message: 'is required' }],
      });
    });
  });

  describe('parseStatus', () => {
    it('reads the StatusCallback with the connected seconds, and no time of its own (DateUpdated has no time zone)', () => {
      const sid = newSid();
      expect(webhooks.parseStatus({ CallSid: sid, Status: 'no-answer', DateUpdated: '2026-03-10 19:31:00' })).toEqual({ ok: true, value: { providerCallId: sid, state: 'no_answer' } });
      expect(webhooks.parseStatus({ CallSid: sid, Status: 'completed', DialCallDuration: '30' })).toEqual({ ok: true, value: { providerCallId: sid, state: 'completed', durationSeconds: 30 } });
    });

    it('names a Status the StatusCallback does not document', () => {
      expect(webhooks.parseStatus({ CallSid: newSid(), Status: 'ringing' })).toMatchObject({ ok: false, message: 'The request is not an Exotel status callback.', issues: [{ field: 'Status' }] });
    });
  });

  describe('confirmCall', () => {
    it("confirms a call on the number's account to this number, with Exotel's record of the caller, and remembers it", async () => {
      const n = number();
      const sid = newSid();
      fake.addCall({ account: SID, sid, from: '09876543210', to: '09513886399', status: 'in-progress' });
      expect(await webhooks.confirmCall!(n, sid)).toEqual({ kind: 'confirmed', from: '+919876543210' });
      expect(await webhooks.confirmCall!(n, sid)).toEqual({ kind: 'confirmed', from: '+919876543210' });
      expect(fake.callLookups(sid)).toHaveLength(1);
    });

    it("confirms a withheld caller without a number of Exotel's for it", async () => {
      const sid = newSid();
      fake.addCall({ account: SID, sid, from: 'withheld', to: '09513886399', status: 'in-progress' });
      expect(await webhooks.confirmCall!(number(), sid)).toEqual({ kind: 'confirmed', from: null });
    });

    it("refuses a CallSid that is not on the number's account, or a call to another number (403 forbidden), and asks again next time", async () => {
      const elsewhere = newSid();
      fake.addCall({ account: 'someone_else', sid: elsewhere, from: '09876543210', to: '09513886399', status: 'in-progress' });
      const toAnother = newSid();
      fake.addCall({ account: SID, sid: toAnother, from: '09876543210', to: '09513886300', status: 'in-progress' });
      const n = number();
      expect(await webhooks.confirmCall!(n, elsewhere)).toEqual({ kind: 'refused', refusal: { code: 'forbidden', message: expect.stringMatching(/not a call on this number's Exotel account/), reason: 'not_on_account' } });
      expect(await webhooks.confirmCall!(n, toAnother)).toEqual({ kind: 'refused', refusal: { code: 'forbidden', message: expect.stringMatching(/call to another number/), reason: 'to_another_number' } });
      await webhooks.confirmCall!(n, toAnother);
      expect(fake.callLookups(toAnother)).toHaveLength(2);
    });

    it("reports Exotel's API being down as unavailable, with what to tell Exotel, and remembers nothing", async () => {
      const sid = newSid();
      fake.addCall({ account: SID, sid, from: '09876543210', to: '09513886399', status: 'in-progress' });
      fake.failNext({ method: 'GET', path: /\/Calls\// }, { status: 503, body: { RestException: { Status: 503, Message: 'down' } } });
      const down = await webhooks.confirmCall!(number({ id: 'pn_down' }), sid);
      expect(down).toMatchObject({ kind: 'unavailable', error: { code: 'provider_unavailable' }, message: "Exotel's API could not confirm this call. Retry later." });
      expect(await webhooks.confirmCall!(number({ id: 'pn_down' }), sid)).toMatchObject({ kind: 'confirmed' });
      expect(fake.callLookups(sid)).toHaveLength(2);
    });
  });

  describe('answers', () => {
    it('forwards to the SIP URI in ExoML with the trunk credentials (Exotel reports through its own status callback)', () => {
      expect(webhooks.connect('sip:+919513886399@sip.example.com;transport=tcp', { sipAuth: { username: 'u1', password: 'p<1' }, statusCallbackUrl: 'https://ignored.example.com' })).toBe(
        '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Sip username="u1" password="p&lt;1">sip:+919513886399@sip.example.com;transport=tcp</Sip></Dial></Response>',
      );
    });

    it('says a message and hangs up, as application/xml', () => {
      expect(webhooks.sayAndHangUp("We're closed")).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Say>We&apos;re closed</Say><Hangup/></Response>');
      expect(webhooks.contentType).toBe('application/xml');
    });
  });
});

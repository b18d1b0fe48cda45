import { liveKitEvent, signLiveKitWebhook } from '@callplane/testing';
import { LiveKitWebhooks } from './livekit-webhooks';
import { SESSION_ATTRIBUTE } from './sip-uri';

const KEYS = { apiKey: 'APIwebhooks', apiSecret: 'livekit-webhooks-spec-secret-0123456789ab' };
const AT = new Date('2026-11-25T10:00:05Z');

/** LiveKit's webhooks signed as LiveKit server signs them (a JWT whose sha256 claim covers the body), read as call events. */
describe('LiveKitWebhooks', () => {
  const webhooks = new LiveKitWebhooks(KEYS);
  const receive = async (body: string) => webhooks.receive(body, await signLiveKitWebhook(body, KEYS));
  const sip = (attributes: Record<string, string>) => ({ identity: 'sip_caller', kind: 'SIP' as const, attributes });

  it("reads a SIP participant joining: sip.callStatus as our state, and the call's ids and numbers from its attributes", async () => {
    const attrs = { 'sip.callStatus': 'ringing', 'sip.callID': 'SCL_abc', 'sip.trunkPhoneNumber': '+14155550100', 'sip.phoneNumber': '+14155550123', [SESSION_ATTRIBUTE]: 'cs_1' };
    expect(await receive(liveKitEvent({ event: 'participant_joined', room: 'call-1', participant: sip(attrs), createdAt: AT }))).toEqual({
      ok: true,
      event: { kind: 'sip_joined', room: 'call-1', at: AT, state: 'ringing', call: { sessionId: 'cs_1', sipCallId: 'SCL_abc', trunkNumber: '+14155550100', callerNumber: '+14155550123' } },
    });
  });

  it.each([
    ['dialing', 'initiating'],
    ['active', 'in_progress'],
    ['hangup', 'completed'],
    ['automation', 'in_progress'],
  ])('sip.callStatus %s is %s', async (status, state) => {
    const read = await receive(liveKitEvent({ event: 'participant_joined', room: 'call-2', participant: sip({ 'sip.callStatus': status }) }));
    expect(read).toMatchObject({ ok: true, event: { kind: 'sip_joined', state } });
  });

  it('a SIP participant joining with no status has been answered; one with no attributes has no ids', async () => {
    expect(await receive(liveKitEvent({ event: 'participant_joined', room: 'call-3', participant: sip({}) }))).toMatchObject({
      event: { kind: 'sip_joined', state: 'in_progress', call: { sessionId: null, sipCallId: null, trunkNumber: null, callerNumber: null } },
    });
  });

  it('reads a SIP participant leaving and a room finishing', async () => {
    expect(await receive(liveKitEvent({ event: 'participant_left', room: 'call-4', participant: sip({ [SESSION_ATTRIBUTE]: 'cs_4' }), createdAt: AT }))).toMatchObject({
      ok: true,
      event: { kind: 'sip_left', room: 'call-4', at: AT, call: { sessionId: 'cs_4' } },
    });
    expect(await receive(liveKitEvent({ event: 'room_finished', room: 'call-4', createdAt: AT }))).toEqual({ ok: true, event: { kind: 'room_finished', room: 'call-4', at: AT } });
  });

  it('everything that is not about a SIP participant or a room is not a call event', async () => {
    for (const body of [
      liveKitEvent({ event: 'participant_joined', room: 'call-5', participant: { identity: 'agent', kind: 'AGENT' } }),
      liveKitEvent({ event: 'track_published', room: 'call-5', participant: sip({}) }),
      liveKitEvent({ event: 'room_started', room: 'call-5' }),
      '{}',
    ]) {
      expect(await receive(body)).toMatchObject({ ok: true, event: { kind: 'not_a_call_event', reason: expect.any(String) } });
    }
  });

  it('refuses a missing, foreign or garbage token, and a body the token does not cover; a signed body that is not JSON is invalid_json', async () => {
    const body = liveKitEvent({ event: 'room_finished', room: 'call-6' });
    const foreign = await signLiveKitWebhook(body, { apiKey: KEYS.apiKey, apiSecret: 'not-the-secret-0123456789abcdef0123456' });
    const signed = await signLiveKitWebhook(body, KEYS);
    for (const [b, auth] of [[body, undefined], [body, foreign], [body, 'a.b.c'], [body.replace('call-6', 'call-7'), signed]] as const) {
      expect(await webhooks.receive(b, auth)).toEqual({ ok: false, error: 'invalid_signature' });
    }
    expect(await receive('{"event": ')).toEqual({ ok: false, error: 'invalid_json' });
  });
});

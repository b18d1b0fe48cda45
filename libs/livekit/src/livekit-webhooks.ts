import type { CallState } from '@callplane/contracts';
import { WebhookReceiver, type WebhookEvent } from 'livekit-server-sdk';
import { SESSION_ATTRIBUTE, SIP_ATTRIBUTES } from './sip-uri';

/** ParticipantInfo.Kind.SIP (livekit/protocol livekit_models.proto); the SDK does not re-export the enum. */
const PARTICIPANT_KIND_SIP = 3;

/** `sip.callStatus` (LiveKit SIP participant attributes) as our states. */
const SIP_CALL_STATUS: Record<string, CallState> = { dialing: 'initiating', ringing: 'ringing', active: 'in_progress', hangup: 'completed' };

/** A SIP participant's call, as LiveKit's SIP service describes it in the participant's attributes. */
export interface SipParticipantCall {
  /** Our session id: set on calls our webhooks forwarded (`SESSION_HEADER` mapped on the inbound trunk) and on calls we dialled. */
  sessionId: string | null;
  /** LiveKit's SIP call id, unique per call (empty on builds that do not set it). */
  sipCallId: string | null;
  /** The number the caller dialled: the trunk's number, as LiveKit reports it. */
  trunkNumber: string | null;
  /** The caller, as the carrier sent it. */
  callerNumber: string | null;
}

/** A LiveKit webhook as a call report, in our words; `at` is when LiveKit says it happened, if it says. */
export type LiveKitCallEvent =
  | { kind: 'room_finished'; room: string; at: Date | null }
  | { kind: 'sip_joined'; room: string; at: Date | null; state: CallState; call: SipParticipantCall }
  | { kind: 'sip_left'; room: string; at: Date | null; call: SipParticipantCall }
  | { kind: 'not_a_call_event'; reason: string };

export type LiveKitWebhookResult = { ok: true; event: LiveKitCallEvent } | { ok: false; error: 'invalid_json' | 'invalid_signature' };

/**
 * LiveKit's webhooks (`Authorization`: a JWT signed with the API key pair whose `sha256` claim covers the body,
 * docs.livekit.io/home/server/webhooks) read as call events: a SIP participant joining (with `sip.callStatus` as our
 * state), leaving, and a room finishing. Everything else LiveKit sends is `not_a_call_event`.
 */
export class LiveKitWebhooks {
  private readonly receiver: WebhookReceiver;

  constructor(keys: { apiKey: string; apiSecret: string }) {
    this.receiver = new WebhookReceiver(keys.apiKey, keys.apiSecret);
  }

  async receive(body: string, authorization: string | undefined): Promise<LiveKitWebhookResult> {
    let event: WebhookEvent;
    try {
      event = await this.receiver.receive(body, authorization);
    } catch (err) {
      // The SDK verifies the token before it parses the body: a SyntaxError means a signed body that is not JSON.
      return { ok: false, error: err instanceof SyntaxError ? 'invalid_json' : 'invalid_signature' };
    }
    return { ok: true, event: callEventOf(event) };
  }
}

function callEventOf(event: WebhookEvent): LiveKitCallEvent {
  const room = event.room?.name;
  const at = event.createdAt ? new Date(Number(event.createdAt) * 1000) : null;
  const p = event.participant;
  if (event.event === 'room_finished') return room ? { kind: 'room_finished', room, at } : { kind: 'not_a_call_event', reason: 'room_finished without a room' };
  if (!p || !room || (p.kind as number) !== PARTICIPANT_KIND_SIP) return { kind: 'not_a_call_event', reason: `${event.event} is not about a SIP participant` };
  const attrs = p.attributes ?? {};
  const call: SipParticipantCall = {
    sessionId: attrs[SESSION_ATTRIBUTE] || null,
    sipCallId: attrs[SIP_ATTRIBUTES.callId] || null,
    trunkNumber: attrs[SIP_ATTRIBUTES.trunkPhoneNumber] ?? null,
    callerNumber: attrs[SIP_ATTRIBUTES.phoneNumber] ?? null,
  };
  // A participant that joins without a status has been answered: LiveKit sets `sip.callStatus` on SIP participants it dials.
  if (event.event === 'participant_joined') return { kind: 'sip_joined', room, at, state: SIP_CALL_STATUS[attrs[SIP_ATTRIBUTES.callStatus] ?? 'active'] ?? 'in_progress', call };
  if (event.event === 'participant_left') return { kind: 'sip_left', room, at, call };
  return { kind: 'not_a_call_event', reason: `${event.event} is not a call event` };
}

import { toE164, type Provider } from '@callplane/contracts';
import { END_REASONS, findCallSession, type CallRef, type ReportOutcome } from '@callplane/calls';
import type { LiveKitWebhooks, SipParticipantCall } from '@callplane/livekit';
import { carrierOf } from '@callplane/providers';
import { AppError } from '@callplane/service-kit';
import type { GatewayDeps } from './deps';

export type LiveKitWebhookOutcome = { handled: false; reason: string } | { handled: true; outcome: ReportOutcome['kind'] | 'opened' };

/**
 * LiveKit's webhooks (`POST /livekit/webhook`) as call reports: a SIP participant joining, leaving, and the room
 * finishing (libs/livekit reads them). Calls forwarded by our webhooks carry their session id as a participant
 * attribute; SIP-direct calls (a carrier whose trunk reaches LiveKit with no webhook to us first) have no session yet
 * and get one here, from the trunk number they called.
 */
export async function handleLiveKitWebhook(deps: GatewayDeps, receiver: LiveKitWebhooks, body: string, authorization: string | undefined): Promise<LiveKitWebhookOutcome> {
  const received = await receiver.receive(body, authorization);
  if (!received.ok) {
    if (received.error === 'invalid_json') throw new AppError('invalid_json', 'The webhook body is not valid JSON.');
    throw new AppError('invalid_signature', 'The Authorization token is missing, expired, or not signed with this LiveKit API key, or does not match the body.');
  }
  const event = received.event;
  if (event.kind === 'not_a_call_event') return { handled: false, reason: event.reason };
  const at = event.at ?? deps.now();
  const room = event.room;

  if (event.kind === 'room_finished') return reported(await deps.transitions.report({ call: { roomName: room }, state: 'completed', at, endReason: END_REASONS.roomClosed }));
  if (event.kind === 'sip_joined') {
    const ref = await callRefFor(deps, event.call, room);
    if (ref) return reported(await deps.transitions.report({ call: ref, state: event.state, at, roomName: room }));
    const opened = await openSipDirect(deps, event.call, room);
    if (!opened) return { handled: false, reason: 'no session, and the trunk number is not a SIP-direct number of ours' };
    await deps.transitions.report({ call: { sessionId: opened }, state: event.state, at, roomName: room });
    return { handled: true, outcome: 'opened' };
  }
  const ref = (await callRefFor(deps, event.call, room)) ?? { roomName: room };
  return reported(await deps.transitions.report({ call: ref, state: 'completed', at, endReason: END_REASONS.hangup }));
}

const reported = (o: ReportOutcome): LiveKitWebhookOutcome => (o.kind === 'unknown_call' ? { handled: false, reason: 'unknown call' } : { handled: true, outcome: o.kind });

async function callRefFor(deps: GatewayDeps, call: SipParticipantCall, room: string): Promise<CallRef | null> {
  if (call.sessionId) return { sessionId: call.sessionId };
  const known = await findCallSession(deps.prisma, { roomName: room });
  return known ? { sessionId: known.id } : null;
}

/** A call that arrived at LiveKit straight from a SIP trunk: its session, opened from the number it called. */
async function openSipDirect(deps: GatewayDeps, call: SipParticipantCall, room: string): Promise<string | null> {
  const trunkNumber = toE164(call.trunkNumber ?? '');
  if (!trunkNumber) return null;
  const row = await deps.prisma.phoneNumber.findUnique({ where: { number: trunkNumber }, select: { id: true } });
  const phone = row ? await deps.numbers.get(row.id) : null;
  if (!phone || !carrierOf(phone.provider)?.capabilities.sipDirect) return null;
  const caller = call.callerNumber ?? '';
  const { session } = await deps.sessions.open({
    tenantId: phone.tenantId,
    agentId: phone.agent?.id ?? null,
    phoneNumberId: phone.id,
    direction: 'inbound',
    callType: 'production',
    fromNumber: toE164(caller, phone.country) ?? (caller || 'unknown'),
    toNumber: phone.number,
    provider: phone.provider as Provider,
    // LiveKit's SIP call id is unique per call; the room name stands in if a build does not set it.
    providerCallId: call.sipCallId ?? `room:${room}`,
    state: 'initiating',
  });
  return session.id;
}

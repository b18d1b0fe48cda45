import { toE164, type CallState, type Provider } from '@callplane/contracts';
import { SESSION_ATTRIBUTE, SIP_ATTRIBUTES } from '@callplane/livekit';
import { AppError } from '@callplane/service-kit';
import type { WebhookEvent, WebhookReceiver } from 'livekit-server-sdk';
import type { CallRef, ReportOutcome } from '@callplane/calls';
import type { GatewayDeps } from './deps';

/** ParticipantInfo.Kind.SIP (livekit/protocol livekit_models.proto); the SDK does not re-export the enum. */
const PARTICIPANT_KIND_SIP = 3;

/** `sip.callStatus` (LiveKit SIP participant attributes) as our states. */
const SIP_CALL_STATUS: Record<string, CallState> = { dialing: 'initiating', ringing: 'ringing', active: 'in_progress', hangup: 'completed' };

/** Providers whose calls reach LiveKit over SIP with no webhook to us first: their sessions start here. */
const SIP_DIRECT: readonly string[] = ['plivo', 'vobiz'];

export type LiveKitWebhookOutcome = { handled: false; reason: string } | { handled: true; outcome: ReportOutcome['kind'] | 'opened' };

/**
 * LiveKit's webhooks (`POST /livekit/webhook`, JWT in Authorization whose `sha256` claim covers the body) as call
 * reports: a SIP participant joining (with `sip.callStatus`), leaving, and the room finishing. Calls forwarded by
 * our webhooks carry their session id as a participant attribute (the `X-Callplane-Session` header mapped on the
 * inbound trunk); SIP-direct calls (Plivo Zentrunk, Vobiz, a PBX) have no session yet and get one here, from the
 * trunk number they called.
 */
export async function handleLiveKitWebhook(deps: GatewayDeps, receiver: WebhookReceiver, body: string, authorization: string | undefined): Promise<LiveKitWebhookOutcome> {
  let event: WebhookEvent;
  try {
    event = await receiver.receive(body, authorization);
  } catch (err) {
    if (err instanceof SyntaxError) throw new AppError('invalid_json', 'The webhook body is not valid JSON.');
    throw new AppError('invalid_signature', 'The Authorization token is missing, expired, or not signed with this LiveKit API key, or does not match the body.');
  }
  const room = event.room?.name;
  const at = event.createdAt ? new Date(Number(event.createdAt) * 1000) : deps.now();
  const p = event.participant;

  if (event.event === 'room_finished') {
    if (!room) return { handled: false, reason: 'room_finished without a room' };
    return reported(await deps.transitions.report({ call: { roomName: room }, state: 'completed', at, endReason: 'room_closed' }));
  }
  if (!p || !room || (p.kind as number) !== PARTICIPANT_KIND_SIP) return { handled: false, reason: `${event.event} is not about a SIP participant` };
  const attrs = p.attributes ?? {};

  if (event.event === 'participant_joined') {
    const state = SIP_CALL_STATUS[attrs[SIP_ATTRIBUTES.callStatus] ?? 'active'] ?? 'in_progress';
    const ref = await callRefFor(deps, attrs, room);
    if (ref) return reported(await deps.transitions.report({ call: ref, state, at, roomName: room }));
    const opened = await openSipDirect(deps, attrs, room);
    if (!opened) return { handled: false, reason: 'no session, and the trunk number is not a SIP-direct number of ours' };
    await deps.transitions.report({ call: { sessionId: opened }, state, at, roomName: room });
    return { handled: true, outcome: 'opened' };
  }
  if (event.event === 'participant_left') {
    const ref = (await callRefFor(deps, attrs, room)) ?? { roomName: room };
    return reported(await deps.transitions.report({ call: ref, state: 'completed', at, endReason: 'hangup' }));
  }
  return { handled: false, reason: `${event.event} is not a call event` };
}

const reported = (o: ReportOutcome): LiveKitWebhookOutcome => (o.kind === 'unknown_call' ? { handled: false, reason: 'unknown call' } : { handled: true, outcome: o.kind });

async function callRefFor(deps: GatewayDeps, attrs: Record<string, string>, room: string): Promise<CallRef | null> {
  const sessionId = attrs[SESSION_ATTRIBUTE];
  if (sessionId) return { sessionId };
  const known = await deps.prisma.callSession.findFirst({ where: { roomName: room }, select: { id: true } });
  return known ? { sessionId: known.id } : null;
}

/** A call that arrived at LiveKit straight from a SIP trunk: its session, opened from the number it called. */
async function openSipDirect(deps: GatewayDeps, attrs: Record<string, string>, room: string): Promise<string | null> {
  const trunkNumber = toE164(attrs[SIP_ATTRIBUTES.trunkPhoneNumber] ?? '');
  if (!trunkNumber) return null;
  const row = await deps.prisma.phoneNumber.findUnique({ where: { number: trunkNumber }, select: { id: true } });
  const phone = row ? await deps.numbers.get(row.id) : null;
  if (!phone || !SIP_DIRECT.includes(phone.provider)) return null;
  const caller = attrs[SIP_ATTRIBUTES.phoneNumber] ?? '';
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
    providerCallId: attrs[SIP_ATTRIBUTES.callId] || `room:${room}`,
    state: 'initiating',
  });
  return session.id;
}

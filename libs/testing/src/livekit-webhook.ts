import { createHash } from 'node:crypto';
import { AccessToken } from 'livekit-server-sdk';

/**
 * Signs a webhook body as LiveKit server does: a JWT from the API key pair whose `sha256` claim is the base64
 * SHA-256 of the exact body, sent as the `Authorization` header.
 */
export async function signLiveKitWebhook(body: string, keys: { apiKey: string; apiSecret: string }): Promise<string> {
  const token = new AccessToken(keys.apiKey, keys.apiSecret, { ttl: 300 });
  token.sha256 = createHash('sha256').update(body).digest('base64');
  return token.toJwt();
}

/** ParticipantInfo.Kind values (livekit/protocol livekit_models.proto) as LiveKit's JSON spells them. */
export type LiveKitParticipantKind = 'STANDARD' | 'INGRESS' | 'EGRESS' | 'SIP' | 'AGENT';

/** A LiveKit webhook event in the JSON form LiveKit server posts (protobuf JSON of `WebhookEvent`). */
export function liveKitEvent(input: {
  event: 'participant_joined' | 'participant_left' | 'room_finished' | 'room_started' | 'track_published';
  id?: string;
  room: string;
  participant?: { identity: string; kind?: LiveKitParticipantKind; attributes?: Record<string, string>; sid?: string };
  createdAt?: Date;
}): string {
  const created = Math.floor((input.createdAt ?? new Date()).getTime() / 1000);
  return JSON.stringify({
    event: input.event,
    id: input.id ?? `EV_${Math.random().toString(36).slice(2, 14)}`,
    createdAt: String(created),
    room: { sid: `RM_${input.room}`, name: input.room },
    ...(input.participant
      ? { participant: { sid: input.participant.sid ?? `PA_${input.participant.identity}`, identity: input.participant.identity, kind: input.participant.kind ?? 'STANDARD', attributes: input.participant.attributes ?? {} } }
      : {}),
  });
}

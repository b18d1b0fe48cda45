import { eventEnvelopeSchema, type EventEnvelope } from '@callplane/contracts';

export type DecodeResult = { ok: true; event: EventEnvelope } | { ok: false; reason: string };

/** JSON on the wire: the same bytes whichever driver carries them. */
export function encodeEnvelope(event: EventEnvelope): string {
  return JSON.stringify(event);
}

/** Never throws: a malformed message is the producer's bug, and one bad message must not stop a consumer. */
export function decodeEnvelope(raw: string | Buffer | null | undefined): DecodeResult {
  if (raw === null || raw === undefined) return { ok: false, reason: 'empty message' };
  let json: unknown;
  try {
    json = JSON.parse(raw.toString());
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}` };
  }
  const parsed = eventEnvelopeSchema.safeParse(json);
  if (!parsed.success) return { ok: false, reason: `not an event envelope: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}` };
  return { ok: true, event: parsed.data as EventEnvelope };
}

import { z } from 'zod';

/** Kafka topic names; every producer and consumer takes them from here so a rename is one edit. */
export const TOPICS = {
  callLifecycle: 'call.lifecycle',
  callTranscript: 'call.transcript',
  callUsage: 'call.usage',
  numbersChanges: 'numbers.changes',
  dialerCommands: 'dialer.commands',
} as const;
export type Topic = (typeof TOPICS)[keyof typeof TOPICS];
/** Every topic, e.g. for creating them on a test broker or checking a consumer's list. */
export const ALL_TOPICS: readonly Topic[] = Object.values(TOPICS);

/**
 * What travels on every topic. `key` decides the partition: for call events it is the session id,
 * so one call's events stay in order. `data` is typed per event type by the topic's own schema.
 */
export const eventEnvelopeSchema = z.object({
  id: z.string().min(1),
  type: z.string().min(1),
  version: z.number().int().positive(),
  tenant_id: z.string().min(1),
  occurred_at: z.iso.datetime(),
  key: z.string().min(1),
  data: z.unknown(),
});
export type EventEnvelope<T = unknown> = Omit<z.infer<typeof eventEnvelopeSchema>, 'data'> & { data: T };

/** `evt_` + 32 hex characters. Uses the platform CSPRNG through globalThis: contracts does no I/O and imports no node modules. */
export function newEventId(): string {
  return `evt_${globalThis.crypto.randomUUID().replace(/-/g, '')}`;
}

export interface NewEnvelopeInput<T> {
  type: string;
  tenantId: string;
  key: string;
  data: T;
  /** Bump when `data` changes incompatibly; consumers branch on it. */
  version?: number;
  id?: string;
  occurredAt?: Date;
}

/** Builds a complete envelope with a fresh id and the current time in UTC ISO-8601. */
export function buildEventEnvelope<T>(input: NewEnvelopeInput<T>): EventEnvelope<T> {
  return {
    id: input.id ?? newEventId(),
    type: input.type,
    version: input.version ?? 1,
    tenant_id: input.tenantId,
    occurred_at: (input.occurredAt ?? new Date()).toISOString(),
    key: input.key,
    data: input.data,
  };
}

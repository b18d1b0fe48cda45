import { buildEventEnvelope, type EventEnvelope } from '@callplane/contracts';
import type { DbTx, Prisma } from '@callplane/db';

export interface EnqueueEventInput<T = unknown> {
  topic: string;
  type: string;
  tenantId: string;
  /** Partition key: the session id for call events, so one call's events stay in order. */
  key: string;
  data: T;
  version?: number;
  /** When it happened, if not now (a provider's own timestamp). */
  occurredAt?: Date;
}

/**
 * Writes the event to the outbox in the caller's transaction: it is published if and only if the state
 * change commits. Call `relay.notify()` after the commit to publish without waiting for the next poll.
 */
export async function enqueueEvent<T>(tx: DbTx, input: EnqueueEventInput<T>): Promise<EventEnvelope<T>> {
  const envelope = buildEventEnvelope({ type: input.type, tenantId: input.tenantId, key: input.key, data: input.data, version: input.version, occurredAt: input.occurredAt });
  await tx.outboxEvent.create({
    data: {
      id: envelope.id,
      topic: input.topic,
      key: envelope.key,
      envelope: envelope as unknown as Prisma.InputJsonValue,
      createdAt: nextCreatedAt(),
    },
  });
  return envelope;
}

let lastCreatedAt = 0;

/**
 * The relay publishes in `created_at` order. The column default is the transaction's start time, identical
 * for every row of one transaction, and the column keeps milliseconds; so stamp rows here with a clock that
 * never repeats or goes back within this process. Two events of one call, written in one transaction, then
 * keep their order.
 */
function nextCreatedAt(): Date {
  lastCreatedAt = Math.max(Date.now(), lastCreatedAt + 1);
  return new Date(lastCreatedAt);
}

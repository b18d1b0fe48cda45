import { buildEventEnvelope, type EventEnvelope, type NewEnvelopeInput } from '@callplane/contracts';
import { sqlIn, type DbTx, type Prisma, type PrismaClient, type SqlTx } from '@callplane/db';

/**
 * An event as a writer hands it over: its envelope's fields (the key partitions: the session id for call events, so one
 * call's events stay in order; `occurredAt` when it happened, if not now) and the topic. The id is always fresh.
 */
export interface EnqueueEventInput<T = unknown> extends Omit<NewEnvelopeInput<T>, 'id'> {
  topic: string;
}

/** One `outbox_events` row as every writer stores it; `published_at`, `attempts` and `last_error` start at their defaults. */
export interface OutboxRow<T = unknown> {
  /** The event id: the relay publishes it, consumers dedupe on it. */
  id: string;
  topic: string;
  key: string;
  envelope: EventEnvelope<T>;
  createdAt: Date;
}

/**
 * The outbox row of an event, built here for every writer: `enqueueEvent` (through Prisma, in the caller's
 * transaction) and the hand-written statements that write rows in bulk (libs/calls' batched session opener). Each
 * row is stamped by the one clock the relay's order relies on, whichever way it is written.
 */
export function outboxRow<T>(input: EnqueueEventInput<T>): OutboxRow<T> {
  const envelope = buildEventEnvelope({ type: input.type, tenantId: input.tenantId, key: input.key, data: input.data, version: input.version, occurredAt: input.occurredAt });
  return { id: envelope.id, topic: input.topic, key: envelope.key, envelope, createdAt: nextCreatedAt() };
}

/**
 * For hand-written SQL: the columns a writer fills, and a row's values in that order (the envelope as JSON text, the
 * time as ISO-8601 UTC, which `::timestamp(3)` stores as UTC wall time, as Prisma does).
 */
export const OUTBOX_COLUMNS = ['id', 'topic', 'key', 'envelope', 'created_at'] as const;
export function outboxRowValues(row: OutboxRow): [id: string, topic: string, key: string, envelope: string, createdAt: string] {
  return [row.id, row.topic, row.key, JSON.stringify(row.envelope), row.createdAt.toISOString()];
}

/**
 * Writes the event to the outbox in the caller's transaction: it is published if and only if the state
 * change commits. Call `relay.notify()` after the commit to publish without waiting for the next poll.
 */
export async function enqueueEvent<T>(tx: DbTx, input: EnqueueEventInput<T>): Promise<EventEnvelope<T>> {
  const row = outboxRow(input);
  await tx.outboxEvent.create({ data: { ...row, envelope: row.envelope as unknown as Prisma.InputJsonValue } });
  return row.envelope;
}

const INSERT_OUTBOX_SQL = `
  INSERT INTO outbox_events (${OUTBOX_COLUMNS.join(', ')})
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[], $5::timestamp(3)[])`;

/**
 * `enqueueEvent` for hand-written SQL (libs/db `Sql`) and for several events at once: one statement, in the caller's
 * transaction, or on its own (atomic by itself) on a pool or client.
 */
export async function enqueueEventsIn(db: DbTx | PrismaClient | SqlTx, inputs: readonly EnqueueEventInput[]): Promise<EventEnvelope[]> {
  const rows = inputs.map((i) => outboxRow(i));
  const cols: string[][] = OUTBOX_COLUMNS.map(() => []);
  for (const r of rows) outboxRowValues(r).forEach((v, i) => cols[i]!.push(v));
  await sqlIn(db).query(INSERT_OUTBOX_SQL, cols);
  return rows.map((r) => r.envelope);
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

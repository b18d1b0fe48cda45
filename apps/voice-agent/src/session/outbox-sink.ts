import { CALL_TRANSCRIPT_EVENT_TYPE, CALL_USAGE_EVENT_TYPE, TOPICS, type CallTranscriptData, type CallUsageData } from '@callplane/contracts';
import type { PrismaClient, SqlTx } from '@callplane/db';
import { enqueueEventsIn } from '@callplane/events';
import type { CallEventSink } from './voice-session';

/**
 * A call's `call.transcript` and `call.usage` events through the transactional outbox, keyed by the session id
 * so one call's events stay in order on one partition. The relay is nudged after each commit. `db`: the client, or
 * libs/db `Sql` on the pg pool (the sandbox carrier's load calls).
 */
export function outboxCallEventSink(deps: { db: PrismaClient | SqlTx; outbox: { notify(): void } }, tenantId: string): CallEventSink {
  const write = async (topic: string, type: string, key: string, data: unknown) => {
    // One statement: atomic on its own, no transaction to open.
    await enqueueEventsIn(deps.db, [{ topic, type, tenantId, key, data }]);
    deps.outbox.notify();
  };
  return {
    transcript: (data: CallTranscriptData) => write(TOPICS.callTranscript, CALL_TRANSCRIPT_EVENT_TYPE, data.session_id, data),
    usage: (data: CallUsageData) => write(TOPICS.callUsage, CALL_USAGE_EVENT_TYPE, data.session_id, data),
  };
}

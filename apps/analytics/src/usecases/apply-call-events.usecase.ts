import type { EventEnvelope } from '@callplane/contracts';
import type { DbTx, SessionView } from '@callplane/db';
import type { Logger } from '@callplane/service-kit';
import { callChanges, type CallChanges } from './call-metrics';
import type { PriceBook } from './price-book';
import { rateSession } from './rating';
import { canonicalJson, durationSeconds, emptySession, foldEvent, parseCallEvent, type CallEvent, type SessionState } from './session-fold';

export interface ApplyResult {
  applied: number;
  skipped: number;
  sessionsWritten: number;
  leadsTouched: number;
  /** Calls this fold saw start or end, for the call counters once the transaction commits. */
  calls: CallChanges;
}

/**
 * Folds a batch of `call.lifecycle`, `call.transcript` and `call.usage` events into `session_views` and
 * `leads`, in the caller's transaction, with a handful of statements whatever the batch size:
 * create missing rows (a transcript or usage event may come before the session's first lifecycle event:
 * the row starts partial, without status, and is filled in later), lock the batch's rows in id order,
 * fold, write back the rows that changed, and upsert the leads of inbound sessions seen for the first time.
 *
 * The row lock makes "first lifecycle event of this session" happen in exactly one committed transaction,
 * which is what lets a lead count each session once even if two consumers briefly overlap in a rebalance.
 */
export async function applyCallEvents(tx: DbTx, batch: EventEnvelope[], prices: PriceBook, log: Logger): Promise<ApplyResult> {
  const parsed: CallEvent[] = [];
  let skipped = 0;
  for (const event of batch) {
    const e = parseCallEvent(event);
    if (e) parsed.push(e);
    else {
      skipped++;
      log.warn({ event_id: event.id, type: event.type }, 'call event with an unexpected shape: skipped');
    }
  }
  if (parsed.length === 0) return { applied: 0, skipped, sessionsWritten: 0, leadsTouched: 0, calls: { started: [], ended: [] } };

  // The first event of a session in this batch names the tenant of a row it creates.
  const tenantOf = new Map<string, string>();
  for (const e of parsed) if (!tenantOf.has(e.sessionId)) tenantOf.set(e.sessionId, e.tenantId);
  const ids = [...tenantOf.keys()].sort();
  const version = await prices.activeVersion(tx);
  // Sorted ids: concurrent batches insert and lock in one order, so they wait for each other instead of deadlocking.
  await tx.$executeRaw`
    INSERT INTO session_views (id, tenant_id, price_version, updated_at)
    SELECT id, tenant_id, ${version}, now() FROM unnest(${ids}::text[], ${ids.map((id) => tenantOf.get(id)!)}::text[]) AS t(id, tenant_id)
    ON CONFLICT (id) DO NOTHING`;
  await tx.$queryRaw`SELECT id FROM session_views WHERE id = ANY(${ids}::text[]) ORDER BY id FOR UPDATE`;
  const rows = await tx.sessionView.findMany({ where: { id: { in: ids } } });

  const rowById = new Map(rows.map((r) => [r.id, r]));
  const before = new Map(rows.map((r) => [r.id, stateFromRow(r)]));
  const after = new Map(before);
  let applied = 0;
  for (const e of parsed) {
    const s = after.get(e.sessionId)!;
    if (s.tenantId !== e.tenantId) {
      skipped++;
      log.error({ session_id: e.sessionId, event_tenant_id: e.tenantId }, 'call event names another tenant than its session: skipped');
      continue;
    }
    after.set(e.sessionId, foldEvent(s, e));
    applied++;
  }

  const writes: RowValues[] = [];
  const leads = new Map<string, { tenant_id: string; number: string; first: string; last: string; calls: number }>();
  for (const [id, s] of after) {
    const table = await prices.prices(tx, s.priceVersion);
    const rated = rateSession(s, table);
    if (rated.unpriced.length > 0) log.warn({ session_id: id, unpriced: rated.unpriced, price_version: s.priceVersion }, 'usage without a price: rated at 0');
    const values = rowValues(s, rated.usage, rated.cost);
    const old = before.get(id)!;
    const row = rowById.get(id)!;
    // Only rows that change are written (a redelivered event costs a read, not a write).
    if (canonicalJson(values) !== canonicalJson(rowValues(old, row.usage, row.cost))) writes.push(values);
    // A session's first lifecycle event: count its caller once, if the call came in.
    if (!old.lifecycle && s.lifecycle && s.lifecycle.direction === 'inbound' && s.startedAt) {
      const key = `${s.tenantId}|${s.lifecycle.fromNumber}`;
      const held = leads.get(key);
      const at = s.startedAt;
      leads.set(key, held ? { ...held, first: at < held.first ? at : held.first, last: at > held.last ? at : held.last, calls: held.calls + 1 } : { tenant_id: s.tenantId, number: s.lifecycle.fromNumber, first: at, last: at, calls: 1 });
    }
  }

  if (writes.length > 0) {
    await tx.$executeRaw`
      UPDATE session_views s SET
        agent_id = v.agent_id, direction = v.direction, call_type = v.call_type, campaign_id = v.campaign_id, from_number = v.from_number, to_number = v.to_number,
        provider = v.provider, status = v.status, end_reason = v.end_reason, started_at = v.started_at, answered_at = v.answered_at,
        ended_at = v.ended_at, duration_seconds = v.duration_seconds, transcript = v.transcript, recording_url = v.recording_url,
        recording_report_seq = v.recording_report_seq, usage_report_seq = v.usage_report_seq, usage_lines = v.usage_lines,
        usage = v.usage, cost = v.cost, last_event_at = v.last_event_at, lifecycle_event_id = v.lifecycle_event_id, updated_at = now()
      FROM jsonb_to_recordset(${JSON.stringify(writes)}::jsonb) AS v(
        id text, agent_id text, direction text, call_type text, campaign_id text, from_number text, to_number text, provider text, status text,
        end_reason text, started_at timestamp, answered_at timestamp, ended_at timestamp, duration_seconds int, transcript jsonb,
        recording_url text, recording_report_seq int, usage_report_seq int, usage_lines jsonb, usage jsonb, cost jsonb,
        last_event_at timestamp, lifecycle_event_id text)
      WHERE s.id = v.id`;
  }
  if (leads.size > 0) {
    const list = [...leads.values()].sort((a, b) => (a.tenant_id + a.number < b.tenant_id + b.number ? -1 : 1));
    await tx.$executeRaw`
      INSERT INTO leads (tenant_id, number, first_seen_at, last_seen_at, calls)
      SELECT tenant_id, number, first, last, calls
      FROM jsonb_to_recordset(${JSON.stringify(list)}::jsonb) AS v(tenant_id text, number text, first timestamp, last timestamp, calls int)
      ON CONFLICT (tenant_id, number) DO UPDATE SET
        first_seen_at = LEAST(leads.first_seen_at, EXCLUDED.first_seen_at),
        last_seen_at = GREATEST(leads.last_seen_at, EXCLUDED.last_seen_at),
        calls = leads.calls + EXCLUDED.calls`;
  }
  const sipStatusOf = new Map(parsed.flatMap((e) => (e.kind === 'lifecycle' ? [[e.snapshot.eventId, e.sipStatus] as const] : [])));
  return { applied, skipped, sessionsWritten: writes.length, leadsTouched: leads.size, calls: callChanges(before, after, sipStatusOf) };
}

type RowValues = ReturnType<typeof rowValues>;

/** The columns a fold writes (snake_case, as jsonb_to_recordset reads them). */
function rowValues(s: SessionState, usage: unknown, cost: unknown) {
  const l = s.lifecycle;
  return {
    id: s.id,
    agent_id: l?.agentId ?? null,
    direction: l?.direction ?? null,
    call_type: l?.callType ?? null,
    campaign_id: s.campaignId,
    from_number: l?.fromNumber ?? null,
    to_number: l?.toNumber ?? null,
    provider: l?.provider ?? null,
    status: l?.state ?? null,
    end_reason: l?.endReason ?? null,
    started_at: s.startedAt,
    answered_at: s.answeredAt,
    ended_at: l?.endedAt ?? null,
    duration_seconds: durationSeconds(s),
    transcript: s.transcript,
    recording_url: s.recordingUrl,
    recording_report_seq: s.recordingReportSeq,
    usage_report_seq: s.usageReportSeq,
    usage_lines: s.usageLines,
    usage,
    cost,
    last_event_at: l?.occurredAt ?? null,
    lifecycle_event_id: l?.eventId ?? null,
  };
}

const isoOrNull = (d: Date | null) => d?.toISOString() ?? null;

/** The fold state a row holds. */
export function stateFromRow(r: SessionView): SessionState {
  const lines = r.usageLines as Partial<SessionState['usageLines']>;
  const lifecycle: SessionState['lifecycle'] =
    r.status && r.lastEventAt && r.lifecycleEventId
      ? {
          eventId: r.lifecycleEventId,
          occurredAt: r.lastEventAt.toISOString(),
          state: r.status as NonNullable<SessionState['lifecycle']>['state'],
          direction: r.direction as NonNullable<SessionState['lifecycle']>['direction'],
          callType: r.callType as NonNullable<SessionState['lifecycle']>['callType'],
          agentId: r.agentId,
          fromNumber: r.fromNumber ?? '',
          toNumber: r.toNumber ?? '',
          provider: r.provider as NonNullable<SessionState['lifecycle']>['provider'],
          endReason: r.endReason,
          endedAt: isoOrNull(r.endedAt),
        }
      : null;
  return {
    ...emptySession(r.id, r.tenantId, r.priceVersion),
    lifecycle,
    startedAt: isoOrNull(r.startedAt),
    answeredAt: isoOrNull(r.answeredAt),
    campaignId: r.campaignId,
    transcript: r.transcript as SessionState['transcript'],
    usageReportSeq: r.usageReportSeq,
    usageLines: { llm: lines.llm ?? [], tts: lines.tts ?? [], stt: lines.stt ?? [] },
    recordingUrl: r.recordingUrl,
    recordingReportSeq: r.recordingReportSeq,
  };
}

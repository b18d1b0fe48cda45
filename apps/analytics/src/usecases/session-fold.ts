import {
  CALL_TRANSCRIPT_EVENT_TYPE,
  CALL_USAGE_EVENT_TYPE,
  callLifecycleDataSchema,
  callTranscriptDataSchema,
  callUsageDataSchema,
  callStateRank,
  isTerminalState,
  lifecycleEventType,
  type CallLifecycleData,
  type CallState,
  type EventEnvelope,
  type LlmUsage,
  type SttUsage,
  type TranscriptTurn,
  type TtsUsage,
} from '@callplane/contracts';

/**
 * The session read model as a pure fold over its events. Every merge below is commutative, associative and
 * idempotent, so any order, any duplication and any batching of one session's events give the same state:
 *
 * - lifecycle: the row shows one event's snapshot, the greatest by `lifecycleWins` (a total order over events);
 *   `started_at` and `answered_at` are the earliest any lifecycle event reported; `campaign_id` is the least any
 *   reported (every event of a call names the same one, but events from before campaigns name none, so the
 *   winning snapshot alone could drop it).
 * - transcript: one turn per `seq` (ties between different texts for one seq: the greater JSON wins).
 * - usage: the report with the highest `report_seq` (reports are cumulative totals); the recording URL is the
 *   one from the highest report that carried one.
 */

export interface LifecycleSnapshot {
  eventId: string;
  occurredAt: string;
  state: CallState;
  direction: CallLifecycleData['direction'];
  callType: CallLifecycleData['call_type'];
  agentId: string | null;
  fromNumber: string;
  toNumber: string;
  provider: CallLifecycleData['provider'];
  endReason: string | null;
  endedAt: string | null;
}

export interface UsageLines {
  llm: LlmUsage[];
  tts: TtsUsage[];
  stt: SttUsage[];
}

export interface SessionState {
  id: string;
  tenantId: string;
  priceVersion: number;
  lifecycle: LifecycleSnapshot | null;
  startedAt: string | null;
  answeredAt: string | null;
  campaignId: string | null;
  transcript: TranscriptTurn[];
  usageReportSeq: number;
  usageLines: UsageLines;
  recordingUrl: string | null;
  recordingReportSeq: number;
}

export type CallEvent =
  | {
      kind: 'lifecycle';
      sessionId: string;
      tenantId: string;
      snapshot: LifecycleSnapshot;
      startedAt: string;
      answeredAt: string | null;
      campaignId: string | null;
      /** The SIP status the event reported (not kept in the read model: the call metrics label call ends with it). */
      sipStatus: number | null;
    }
  | { kind: 'transcript'; sessionId: string; tenantId: string; turns: TranscriptTurn[] }
  | { kind: 'usage'; sessionId: string; tenantId: string; reportSeq: number; lines: UsageLines; recordingUrl: string | null };

const iso = (s: string) => new Date(s).toISOString();

/**
 * Reads an envelope from one of the three call topics, told apart by `type` (`call.transcript`, `call.usage`,
 * or a lifecycle `call.<state>`); null when its data has an unexpected shape.
 */
export function parseCallEvent(event: EventEnvelope): CallEvent | null {
  const tenantId = event.tenant_id;
  if (event.type === CALL_TRANSCRIPT_EVENT_TYPE) {
    const p = callTranscriptDataSchema.safeParse(event.data);
    if (!p.success) return null;
    return { kind: 'transcript', sessionId: p.data.session_id, tenantId, turns: p.data.turns.map((t) => ({ ...t, at: iso(t.at) })) };
  }
  if (event.type === CALL_USAGE_EVENT_TYPE) {
    const p = callUsageDataSchema.safeParse(event.data);
    if (!p.success) return null;
    const d = p.data;
    return { kind: 'usage', sessionId: d.session_id, tenantId, reportSeq: d.report_seq, lines: { llm: d.llm, tts: d.tts, stt: d.stt }, recordingUrl: d.recording_url ?? null };
  }
  const p = callLifecycleDataSchema.safeParse(event.data);
  if (!p.success || event.type !== lifecycleEventType(p.data.state) || Number.isNaN(Date.parse(p.data.started_at))) return null;
  const d = p.data;
  return {
    kind: 'lifecycle',
    sessionId: d.session_id,
    tenantId,
    startedAt: iso(d.started_at),
    answeredAt: d.answered_at ? iso(d.answered_at) : null,
    campaignId: d.campaign_id ?? null,
    sipStatus: d.sip_status ?? null,
    snapshot: {
      eventId: event.id,
      occurredAt: iso(event.occurred_at),
      state: d.state,
      direction: d.direction,
      callType: d.call_type,
      agentId: d.agent_id,
      fromNumber: d.from_number,
      toNumber: d.to_number,
      provider: d.provider,
      endReason: d.end_reason,
      endedAt: d.ended_at ? iso(d.ended_at) : null,
    },
  };
}

/**
 * Whether `candidate` replaces `current` as the snapshot a session shows. Later states (`callStateRank`) beat earlier ones;
 * between two non-terminal events of one state the later-occurring wins; between two terminal events the
 * **earlier** wins (the first outcome is the call's outcome: a `failed` after `no_answer` is noise); exact
 * ties fall to the event id, so the order is total and the result never depends on arrival order.
 */
export function lifecycleWins(current: LifecycleSnapshot, candidate: LifecycleSnapshot): boolean {
  const rank = callStateRank(candidate.state) - callStateRank(current.state);
  if (rank !== 0) return rank > 0;
  const time = Date.parse(candidate.occurredAt) - Date.parse(current.occurredAt);
  if (time !== 0) return isTerminalState(candidate.state) ? time < 0 : time > 0;
  return candidate.eventId > current.eventId;
}

/** The lesser of two strings, null counting as absent (ISO timestamps compare as text). */
const least = (a: string | null, b: string | null) => (a === null ? b : b === null ? a : a <= b ? a : b);

/**
 * JSON with object keys sorted: the same value always gives the same text (jsonb does not keep key order).
 * Exactly `JSON.stringify` with every object's keys in sorted order (toJSON, undefined and non-finite
 * numbers as JSON.stringify treats them), written directly: it runs for every session of every batch.
 */
export function canonicalJson(value: unknown): string {
  return writeCanonical(value) as string;
}

function writeCanonical(v: unknown): string | undefined {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      const withJson = v as { toJSON?: () => unknown };
      if (typeof withJson.toJSON === 'function') return writeCanonical(withJson.toJSON());
      if (Array.isArray(v)) {
        let out = '[';
        for (let i = 0; i < v.length; i++) out += (i > 0 ? ',' : '') + (writeCanonical(v[i]) ?? 'null');
        return out + ']';
      }
      const record = v as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = '{';
      let first = true;
      for (const k of keys) {
        const written = writeCanonical(record[k]);
        if (written === undefined) continue;
        out += (first ? '' : ',') + JSON.stringify(k) + ':' + written;
        first = false;
      }
      return out + '}';
    }
    case 'bigint':
      return JSON.stringify(v); // throws, as JSON.stringify does
    default:
      return undefined; // undefined, functions, symbols: left out of objects, null in arrays
  }
}
const greaterJson = <T>(a: T, b: T) => (canonicalJson(b) > canonicalJson(a) ? b : a);

export function emptySession(id: string, tenantId: string, priceVersion: number): SessionState {
  return {
    id,
    tenantId,
    priceVersion,
    lifecycle: null,
    startedAt: null,
    answeredAt: null,
    campaignId: null,
    transcript: [],
    usageReportSeq: 0,
    usageLines: { llm: [], tts: [], stt: [] },
    recordingUrl: null,
    recordingReportSeq: 0,
  };
}

/** Applies one event to a session (returns a new state; the input is not changed). The caller checks the tenant. */
export function foldEvent(s: SessionState, e: CallEvent): SessionState {
  switch (e.kind) {
    case 'lifecycle':
      return {
        ...s,
        lifecycle: s.lifecycle === null || lifecycleWins(s.lifecycle, e.snapshot) ? e.snapshot : s.lifecycle,
        startedAt: least(s.startedAt, e.startedAt),
        answeredAt: least(s.answeredAt, e.answeredAt),
        campaignId: least(s.campaignId, e.campaignId),
      };
    case 'transcript': {
      const bySeq = new Map(s.transcript.map((t) => [t.seq, t]));
      for (const t of e.turns) {
        const held = bySeq.get(t.seq);
        bySeq.set(t.seq, held ? greaterJson(held, t) : t);
      }
      return { ...s, transcript: [...bySeq.values()].sort((a, b) => a.seq - b.seq) };
    }
    case 'usage': {
      let next = s;
      if (e.reportSeq > s.usageReportSeq || (e.reportSeq === s.usageReportSeq && canonicalJson(e.lines) > canonicalJson(s.usageLines))) {
        next = { ...next, usageReportSeq: e.reportSeq, usageLines: e.lines };
      }
      if (e.recordingUrl !== null && (e.reportSeq > s.recordingReportSeq || (e.reportSeq === s.recordingReportSeq && e.recordingUrl > (s.recordingUrl ?? '')))) {
        next = { ...next, recordingReportSeq: e.reportSeq, recordingUrl: e.recordingUrl };
      }
      return next;
    }
  }
}

/** Answered → ended, whole seconds; 0 for a call that ended unanswered; null while it runs. */
export function durationSeconds(s: SessionState): number | null {
  const endedAt = s.lifecycle?.endedAt ?? null;
  if (!endedAt) return null;
  if (!s.answeredAt) return 0;
  return Math.max(0, Math.round((Date.parse(endedAt) - Date.parse(s.answeredAt)) / 1000));
}

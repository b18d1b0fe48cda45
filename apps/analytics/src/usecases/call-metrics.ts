import { isTerminalState, type CallState } from '@callplane/contracts';
import { Counter, Registry } from 'prom-client';
import type { SessionState } from './session-fold';

/** What a call is counted by (labels, never tenant or session ids: unbounded). */
export interface CallLabels {
  direction: string;
  call_type: string;
  provider: string;
}

export interface CallEnd extends CallLabels {
  /** The terminal state it ended in: completed, failed, no_answer, busy, canceled. */
  outcome: CallState;
  /** The SIP status of the event that ended it, when there was one. */
  sipStatus: number | null;
}

/** The calls a fold saw start or end: each call once, in the one transaction that first showed it so. */
export interface CallChanges {
  started: CallLabels[];
  ended: CallEnd[];
}

/**
 * The calls whose first lifecycle event, and whose first terminal one, this fold applied. Counted here, where analytics
 * folds `call.lifecycle`, rather than where sessions are written: every event reaches this fold after the dedupe on its
 * id, and the fold's row lock makes "first seen" happen in exactly one committed transaction, so a call is counted
 * once however many gateway, dialer and voice-agent replicas wrote it and however often the bus redelivered. (An
 * opener in libs/calls runs in its caller's transaction and cannot know it committed.) A session that opens terminal
 * (after hours) starts and ends in one fold.
 */
export function callChanges(before: Map<string, SessionState>, after: Map<string, SessionState>, sipStatusOf: Map<string, number | null>): CallChanges {
  const changes: CallChanges = { started: [], ended: [] };
  for (const [id, s] of after) {
    const now = s.lifecycle;
    if (!now) continue;
    const was = before.get(id)?.lifecycle ?? null;
    const labels: CallLabels = { direction: now.direction, call_type: now.callType, provider: now.provider };
    if (!was) changes.started.push(labels);
    if (isTerminalState(now.state) && !(was && isTerminalState(was.state))) {
      changes.ended.push({ ...labels, outcome: now.state, sipStatus: sipStatusOf.get(now.eventId) ?? null });
    }
  }
  return changes;
}

export interface CallMetrics {
  started: Counter<keyof CallLabels>;
  ended: Counter<keyof CallLabels | 'outcome' | 'sip_status'>;
}

/** The call counters on the service's registry (served at `/metrics`); a private one when none is given. */
export function callMetrics(registry: Registry = new Registry()): CallMetrics {
  const counter = <L extends string>(name: string, help: string, labelNames: L[]): Counter<L> =>
    (registry.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames, registers: [registry] });
  return {
    started: counter('calls_started_total', 'Calls started, by direction, call type and provider', ['direction', 'call_type', 'provider']),
    ended: counter('calls_ended_total', 'Calls ended, by direction, call type, provider, outcome (terminal state) and SIP status', [
      'direction',
      'call_type',
      'provider',
      'outcome',
      'sip_status',
    ]),
  };
}

/** Counts what a committed fold saw (called only after its transaction committed). */
export function countCallChanges(metrics: CallMetrics, changes: CallChanges): void {
  for (const c of changes.started) metrics.started.inc(c);
  for (const { sipStatus, ...c } of changes.ended) metrics.ended.inc({ ...c, sip_status: sipStatusLabel(sipStatus) });
}

/** A SIP status as a label: the code when it is one (100–699), else `none` (no SIP answer) or `other`: bounded either way. */
export function sipStatusLabel(status: number | null): string {
  if (status === null) return 'none';
  return Number.isInteger(status) && status >= 100 && status <= 699 ? String(status) : 'other';
}

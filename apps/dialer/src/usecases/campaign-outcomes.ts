import { contactOutcome, isFinalCampaignStatus, isTerminalState, type CallState, type CampaignRetry, type ContactState } from '@callplane/contracts';
import { sqlIn, type DbTx, type OutboundCall, type SqlTx } from '@callplane/db';
import { lockContacts, readCampaignRetries, writeContactOutcomes, type ContactOutcomeRow } from './call-progress.sql';
import type { DialerDeps } from './deps';

export interface ContactOutcomeInput {
  /** The call's terminal state, as the call-state machine settled it. */
  terminal: CallState;
  /** Attempts made so far, this one included (counted at admission). */
  attempts: number;
  retry: CampaignRetry;
  /** A campaign that is over (`canceled`, `completed`) retries nothing: its in-flight call's end is the last word. */
  campaignStatus: string;
  endedAt: Date;
  answeredAt: Date | null;
}

export interface ContactOutcomeDecision {
  state: Extract<ContactState, 'retry_scheduled' | 'completed' | 'no_answer' | 'busy' | 'failed'>;
  lastOutcome: Extract<ContactState, 'completed' | 'no_answer' | 'busy' | 'failed'>;
  nextAttemptAt: Date | null;
  /** Seconds from answer to end, for answered calls only. */
  durationSeconds: number | null;
}

/**
 * What a campaign call's end does to its contact (API.md "Campaigns"): an outcome listed in `retry.on`, with attempts
 * left, waits `backoff_seconds` from the end of the call and goes again; anything else is the contact's final state.
 */
export function decideContactOutcome(input: ContactOutcomeInput): ContactOutcomeDecision {
  const lastOutcome = contactOutcome(input.terminal);
  const durationSeconds = input.answeredAt ? Math.max(0, Math.round((input.endedAt.getTime() - input.answeredAt.getTime()) / 1000)) : null;
  const retry =
    lastOutcome !== 'completed' &&
    !isFinalCampaignStatus(input.campaignStatus) &&
    (input.retry.on as readonly string[]).includes(lastOutcome) &&
    input.attempts < input.retry.max_attempts;
  return retry
    ? { state: 'retry_scheduled', lastOutcome, nextAttemptAt: new Date(input.endedAt.getTime() + input.retry.backoff_seconds * 1000), durationSeconds }
    : { state: lastOutcome, lastOutcome, nextAttemptAt: null, durationSeconds };
}

/**
 * Runs in the `call.lifecycle` consumer's deduplicated transaction, right after `recordCallProgress` moved a batch's
 * calls: each campaign call that reached a terminal state settles its contact (a call gets there once: its row follows
 * the call-state machine, so a duplicated, late or reordered report never does it twice). Only the contact's current
 * attempt counts: a contact whose `last_session_id` is another call (an older attempt ending late) is left alone. A
 * contact the campaign's `end_at` canceled while this call was up keeps `canceled`, with the call's outcome beside it.
 * The batch's contacts are locked (in id order), its campaigns read, and the contacts written, in one statement each.
 */
export async function recordCampaignCallOutcomes(deps: DialerDeps, calls: readonly OutboundCall[], tx: DbTx | SqlTx): Promise<void> {
  const ended = calls.filter((c) => c.campaignContactId && c.campaignId && c.callState && isTerminalState(c.callState as CallState));
  if (ended.length === 0) return;
  const sql = sqlIn(tx);
  const contacts = new Map((await lockContacts(sql, [...new Set(ended.map((c) => c.campaignContactId!))])).map((c) => [c.id, c]));
  const campaigns = new Map((await readCampaignRetries(sql, [...new Set(ended.map((c) => c.campaignId!))])).map((c) => [c.id, c]));
  const settled: Array<{ id: string; state: string; decision: ContactOutcomeDecision }> = [];
  for (const call of ended) {
    const contact = contacts.get(call.campaignContactId!);
    const campaign = campaigns.get(call.campaignId!);
    if (!contact || !campaign || contact.last_session_id !== call.id) continue;
    if (contact.state !== 'calling' && contact.state !== 'canceled') continue;
    const decision = decideContactOutcome({
      terminal: call.callState as CallState,
      attempts: contact.attempts,
      retry: campaign.retry as unknown as CampaignRetry,
      campaignStatus: campaign.status,
      endedAt: call.endedAt ?? deps.now(),
      answeredAt: call.answeredAt,
    });
    // A canceled contact keeps its state; the call's outcome is recorded beside it.
    settled.push({ id: contact.id, state: contact.state === 'calling' ? decision.state : contact.state, decision });
  }
  if (settled.length === 0) return;
  const rows: ContactOutcomeRow[] = settled.map((s) => ({
    id: s.id,
    state: s.state,
    lastOutcome: s.decision.lastOutcome,
    durationSeconds: s.decision.durationSeconds,
    nextAttemptAt: s.decision.nextAttemptAt,
  }));
  await writeContactOutcomes(sql, rows, deps.now());
  // Counted in the transaction: a rollback that is redelivered counts again (metrics tolerate it; the contact does not).
  for (const s of settled) deps.campaignMetrics?.outcomes.inc({ outcome: s.decision.lastOutcome });
}

import { contactOutcome, isFinalCampaignStatus, isTerminalState, type CallState, type CampaignRetry, type ContactState } from '@callplane/contracts';
import type { DbTx, OutboundCall } from '@callplane/db';
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
export async function recordCampaignCallOutcomes(deps: DialerDeps, calls: readonly OutboundCall[], tx: DbTx): Promise<void> {
  const ended = calls.filter((c) => c.campaignContactId && c.campaignId && c.callState && isTerminalState(c.callState as CallState));
  if (ended.length === 0) return;
  const contactIds = [...new Set(ended.map((c) => c.campaignContactId!))];
  const contacts = new Map(
    (
      await tx.$queryRaw<Array<{ id: string; state: string; attempts: number; last_session_id: string | null }>>`
        SELECT id, state, attempts, last_session_id FROM campaign_contacts WHERE id = ANY(${contactIds}::text[]) ORDER BY id FOR UPDATE`
    ).map((c) => [c.id, c]),
  );
  const campaigns = new Map(
    (await tx.campaign.findMany({ where: { id: { in: [...new Set(ended.map((c) => c.campaignId!))] } }, select: { id: true, status: true, retry: true } })).map((c) => [c.id, c]),
  );
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
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  const now = deps.now().toISOString();
  await tx.$executeRaw`
    UPDATE campaign_contacts AS c
    SET state = u.state, last_outcome = u.last_outcome, duration_seconds = u.duration_seconds,
        next_attempt_at = CASE WHEN c.state = 'calling' THEN u.next_attempt_at AT TIME ZONE 'UTC' ELSE c.next_attempt_at END,
        updated_at = ${now}::timestamptz AT TIME ZONE 'UTC'
    FROM unnest(${settled.map((s) => s.id)}::text[], ${settled.map((s) => s.state)}::text[], ${settled.map((s) => s.decision.lastOutcome)}::text[],
                ${settled.map((s) => s.decision.durationSeconds)}::int[], ${settled.map((s) => iso(s.decision.nextAttemptAt))}::timestamptz[])
      AS u(id, state, last_outcome, duration_seconds, next_attempt_at)
    WHERE c.id = u.id`;
  // Counted in the transaction: a rollback that is redelivered counts again (metrics tolerate it; the contact does not).
  for (const s of settled) deps.campaignMetrics?.outcomes.inc({ outcome: s.decision.lastOutcome });
}

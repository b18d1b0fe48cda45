import { contactOutcome, isTerminalState, type CallState, type CampaignRetry, type ContactState } from '@callplane/contracts';
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

const OVER = ['canceled', 'completed'];

/**
 * What a campaign call's end does to its contact (API.md "Campaigns"): an outcome listed in `retry.on`, with attempts
 * left, waits `backoff_seconds` from the end of the call and goes again; anything else is the contact's final state.
 */
export function decideContactOutcome(input: ContactOutcomeInput): ContactOutcomeDecision {
  const lastOutcome = contactOutcome(input.terminal);
  const durationSeconds = input.answeredAt ? Math.max(0, Math.round((input.endedAt.getTime() - input.answeredAt.getTime()) / 1000)) : null;
  const retry =
    lastOutcome !== 'completed' &&
    !OVER.includes(input.campaignStatus) &&
    (input.retry.on as readonly string[]).includes(lastOutcome) &&
    input.attempts < input.retry.max_attempts;
  return retry
    ? { state: 'retry_scheduled', lastOutcome, nextAttemptAt: new Date(input.endedAt.getTime() + input.retry.backoff_seconds * 1000), durationSeconds }
    : { state: lastOutcome, lastOutcome, nextAttemptAt: null, durationSeconds };
}

/**
 * Runs in the `call.lifecycle` consumer's deduplicated transaction, right after `recordCallProgress` moved a campaign
 * call's row to a terminal state (it does so once per call: the row follows the call-state machine, so a duplicated,
 * late or reordered report never gets here twice). Only the contact's current attempt counts: a contact whose
 * `last_session_id` is another call (an older attempt ending late) is left alone. A contact the campaign's `end_at`
 * canceled while this call was up keeps `canceled`, with the call's outcome recorded beside it.
 */
export async function recordCampaignCallOutcome(deps: DialerDeps, call: OutboundCall, tx: DbTx): Promise<void> {
  if (!call.campaignContactId || !call.campaignId || !call.callState || !isTerminalState(call.callState as CallState)) return;
  const [contact] = await tx.$queryRaw<Array<{ state: string; attempts: number; last_session_id: string | null }>>`
    SELECT state, attempts, last_session_id FROM campaign_contacts WHERE id = ${call.campaignContactId} FOR UPDATE`;
  if (!contact || contact.last_session_id !== call.id) return;
  const campaign = await tx.campaign.findUnique({ where: { id: call.campaignId }, select: { status: true, retry: true } });
  if (!campaign) return;
  const decision = decideContactOutcome({
    terminal: call.callState as CallState,
    attempts: contact.attempts,
    retry: campaign.retry as unknown as CampaignRetry,
    campaignStatus: campaign.status,
    endedAt: call.endedAt ?? deps.now(),
    answeredAt: call.answeredAt,
  });
  const recorded = { lastOutcome: decision.lastOutcome, durationSeconds: decision.durationSeconds, updatedAt: deps.now() };
  if (contact.state === 'calling') {
    await tx.campaignContact.update({ where: { id: call.campaignContactId }, data: { ...recorded, state: decision.state, nextAttemptAt: decision.nextAttemptAt } });
  } else if (contact.state === 'canceled') {
    await tx.campaignContact.update({ where: { id: call.campaignContactId }, data: recorded });
  } else {
    return;
  }
  // Counted in the transaction: a rollback that is redelivered counts again (metrics tolerate it; the contact does not).
  deps.campaignMetrics?.outcomes.inc({ outcome: decision.lastOutcome });
}

import { newId, type CampaignWindow, type RecipientHours } from '@callplane/contracts';
import { sqlIn, type Campaign, type DbTx, type SqlTx } from '@callplane/db';
import { callingHoursAt } from './calling-hours';
import { markDoNotCall, roundState, waitingPage, writeAdmission, type FromNumber, type RoundState, type WaitingContact } from './campaign-admission.sql';
import { OPEN_CONTACT_STATES } from './campaign-completion';
import type { AdmissionRefusal } from './campaign-metrics';
import type { DialerDeps } from './deps';

export interface AdmissionOptions {
  /** Calls one round may admit for one campaign, at most. */
  batchSize: number;
  /**
   * How far ahead of now a round hands out pace slots. A call is admitted for a slot up to this early and dispatched
   * at its slot, so rounds a little late lose no slot, and a pause holds back every call at most this long after it.
   */
  paceHorizonMs: number;
  /** Waiting contacts one round may look at while passing over those outside their own hours. */
  scanLimit: number;
}

/** One admitted call: its row id (the session id to be), and the instant its pace slot opens. */
export interface AdmittedCall {
  id: string;
  at: Date;
}

/** What one replica remembers between rounds; losing it (a restart) costs nothing but a rescan. */
export class AdmissionMemory {
  /** Per campaign, the `seq` a round that ran out of scan budget stopped at: the next one goes on from there. */
  readonly scanFrom = new Map<string, number>();
  /** Per campaign, when "no usable from-number" was last logged (once a minute is enough). */
  readonly noFromNumberLoggedAt = new Map<string, number>();
}

/**
 * The pace slots a round may use: from `max(pace_next_at, now)`, one every 1/rate seconds, while before
 * `now + horizon`, at most `max`. Slot times are counted from the first slot and rounded up to whole milliseconds, so
 * no second ever holds more than `rate` of them; a `pace_next_at` in the past is no credit (an idle campaign does not
 * burst). Without a rate every slot is now.
 */
export function paceSlots(paceNextAt: Date | null, rate: number | null, now: Date, horizonMs: number, max: number): { slots: Date[]; next(used: number): Date | null } {
  if (!rate) return { slots: Array.from({ length: Math.max(0, max) }, () => now), next: () => paceNextAt };
  const step = 1000 / rate;
  const first = Math.max(paceNextAt?.getTime() ?? 0, now.getTime());
  const at = (i: number) => first + Math.ceil(i * step);
  const slots: Date[] = [];
  while (slots.length < max && at(slots.length) < now.getTime() + horizonMs) slots.push(new Date(at(slots.length)));
  return { slots, next: (used) => (used > 0 ? new Date(at(used)) : paceNextAt) };
}

/**
 * Admission for one `running` campaign, in the caller's transaction, which holds the campaign's row lock: every
 * replica's admissions for this campaign are therefore serial, and the limits read here hold across replicas.
 *   1. outside every window of the campaign, nothing;
 *   2. no contact waiting (`pending`, or `retry_scheduled` and due), nothing; concurrency: contacts in `calling`
 *      (admitted and not yet ended) leave `concurrency - calling` places;
 *   3. pace: the slots `pace_next_at` allows before the horizon (each admitted call moves it 1/rate seconds on);
 *   4. a from-number still the tenant's, active and outbound-enabled (none: contacts wait, logged once a minute);
 *   5. waiting contacts in upload order (`pending`, or `retry_scheduled` and due), passing over those outside their
 *      own hours (they wait, they are not skipped for good);
 *   6. the tenant's do-not-call list, read now: a listed contact becomes `do_not_call` and is not called;
 *   7. the rest become `calling` (attempts + 1) with an `outbound_calls` row in `dispatching` each, from-numbers in
 *      rotation. The caller dispatches them after commit; a replica dying in between leaves `dispatching` rows the
 *      scheduler reclaims once stale, and the row's own `dispatching → dispatched` step places each call once.
 */
export async function admitCampaignCalls(
  deps: DialerDeps,
  db: DbTx | SqlTx,
  campaign: Campaign,
  memory: AdmissionMemory,
  opts: AdmissionOptions,
  /** The round's state when the caller has read it under the same lock (`readRoundState`). */
  read?: RoundState,
): Promise<AdmittedCall[]> {
  const tx = sqlIn(db);
  const refuse = (reason: AdmissionRefusal, n = 1): AdmittedCall[] => {
    if (n > 0) deps.campaignMetrics?.refused.inc({ reason }, n);
    return [];
  };
  const now = deps.now();
  const hours = callingHoursAt(
    { timezone: campaign.timezone, windows: campaign.windows as unknown as CampaignWindow[], recipientHours: campaign.recipientHours as unknown as RecipientHours | null },
    now,
  );
  if (!hours.open) return refuse('hours');

  // One round trip: the calls up, whether any contact waits at all (a campaign whose contacts are all admitted spends
  // its last rounds waiting for their outcomes: those rounds stop here), the usable from-numbers.
  const { calling, waiting, usable: from } = read ?? (await readRoundState(tx, campaign, now));
  if (!waiting) return [];
  const places = Math.min(campaign.concurrency - calling, opts.batchSize);
  if (places <= 0) return refuse('concurrency');

  const pace = paceSlots(campaign.paceNextAt, campaign.maxCallsPerSecond, now, opts.paceHorizonMs, places);
  if (pace.slots.length === 0) return refuse('pace');

  if (from.length === 0) {
    const last = memory.noFromNumberLoggedAt.get(campaign.id) ?? -Infinity;
    if (now.getTime() - last >= 60_000) {
      memory.noFromNumberLoggedAt.set(campaign.id, now.getTime());
      deps.logger.warn({ tenant_id: campaign.tenantId, campaign_id: campaign.id, from_numbers: campaign.fromNumbers }, 'campaign has no usable from-number (disabled, deleted or not outbound): its contacts wait');
    }
    return refuse('no_from_number');
  }

  // Without recipient hours every waiting contact is allowed: read exactly as many as there are slots.
  const allowed = campaign.recipientHours ? (c: WaitingContact) => hours.allows({ toNumber: c.to_number, timezone: c.timezone }) : null;
  const { picked, passedOver } = await pickWaitingContacts(tx, campaign, now, pace.slots.length, allowed, memory, opts.scanLimit);
  refuse('hours', passedOver);
  if (picked.length === 0) return [];

  // The tenant's do-not-call list as read with the contacts.
  const blocked = picked.filter((c) => c.listed);
  const going = picked.filter((c) => !c.listed);
  if (blocked.length) {
    await markDoNotCall(tx, blocked.map((c) => c.id), now);
    refuse('do_not_call', blocked.length);
  }
  if (going.length === 0) return [];

  let rotation = campaign.rotation;
  const calls = going.map((contact, i) => {
    const [number, nextRotation] = nextInRotation(campaign.fromNumbers, from, rotation);
    rotation = nextRotation;
    return { contact, id: newId('callSession'), from: number, at: pace.slots[i]! };
  });
  // The calls' rows, their contacts `calling`, the campaign's pace and rotation: one statement.
  await writeAdmission(tx, campaign, calls, { paceNextAt: pace.next(calls.length), rotation }, deps.replica, now);
  deps.campaignMetrics?.admitted.inc(calls.length);
  return calls.map((c) => ({ id: c.id, at: c.at }));
}

/** What a round reads under the campaign's row lock before admitting (`RoundState`), in one round trip. */
export function readRoundState(db: DbTx | SqlTx, campaign: Campaign, now: Date): Promise<RoundState> {
  return roundState(sqlIn(db), campaign, now, OPEN_CONTACT_STATES);
}

/**
 * The next usable number at or after the cursor in `from_numbers` order, and the cursor after it: an unusable
 * number is stepped over (it drops out of the rotation) and comes back when it is usable again.
 */
function nextInRotation(order: readonly string[], usable: readonly FromNumber[], cursor: number): [FromNumber, number] {
  const byNumber = new Map(usable.map((u) => [u.number, u]));
  for (let k = 0; k < order.length; k++) {
    const i = (cursor + k) % order.length;
    const hit = byNumber.get(order[i]!);
    if (hit) return [hit, (i + 1) % order.length];
  }
  throw new Error('nextInRotation needs at least one usable number');
}

/**
 * Up to `want` waiting contacts in upload order that `allowed` lets through, locked for this transaction. Contacts
 * another transaction holds are passed over (SKIP LOCKED), so a concurrent cancel never deadlocks with a round. When
 * many contacts are outside their hours, the scan is bounded by `scanLimit` and the next round resumes where this
 * one stopped (wrapping to the start), so contacts further down the list are reached and none waits forever.
 */
async function pickWaitingContacts(
  tx: SqlTx,
  campaign: Campaign,
  now: Date,
  want: number,
  allowed: ((c: WaitingContact) => boolean) | null,
  memory: AdmissionMemory,
  scanLimit: number,
): Promise<{ picked: WaitingContact[]; passedOver: number }> {
  const picked: WaitingContact[] = [];
  const start = memory.scanFrom.get(campaign.id) ?? -1;
  let after = start;
  let wrapped = start < 0;
  let scanned = 0;
  const pageSize = allowed ? Math.max(want * 2, 50) : want;
  scan: while (picked.length < want && scanned < scanLimit) {
    const page = await waitingPage(tx, campaign, now, after, pageSize);
    if (page.length === 0) {
      if (wrapped) break;
      wrapped = true;
      after = -1;
      continue;
    }
    for (const c of page) {
      // Back round to where this scan began: what follows was read (and maybe picked) before the wrap.
      if (wrapped && start >= 0 && c.seq > start) break scan;
      scanned++;
      after = c.seq;
      if (!allowed || allowed(c)) picked.push(c);
      if (picked.length === want || scanned >= scanLimit) break;
    }
  }
  // Ran out of budget among contacts that must wait: the next round goes on from here instead of rescanning them.
  if (picked.length < want && scanned >= scanLimit) memory.scanFrom.set(campaign.id, after);
  else memory.scanFrom.delete(campaign.id);
  return { picked, passedOver: scanned - picked.length };
}

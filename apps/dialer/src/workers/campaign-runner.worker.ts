import { FINAL_CAMPAIGN_STATUSES, LAUNCHED_CAMPAIGN_STATUSES } from '@callplane/contracts';
import { startWorkerLoop } from '@callplane/service-kit';
import { AdmissionMemory, admitCampaignCalls, readRoundState, type AdmissionOptions, type AdmittedCall } from '../usecases/campaign-admission';
import { lockCampaign } from '../usecases/campaign-admission.sql';
import { completeCampaign, hasOpenContacts, sendCompletionIfOwed } from '../usecases/campaign-completion';
import { failLostCampaignDispatches } from '../usecases/campaign-lost-dispatch';
import type { DialerDeps } from '../usecases/deps';
import { startDispatch } from '../usecases/dispatch';

export interface CampaignRunnerOptions extends Partial<AdmissionOptions> {
  /** Pause between rounds (CAMPAIGN_RUNNER_INTERVAL_MS). */
  intervalMs?: number;
  /** Campaigns looked at per round, at most (in random order, so a long list is covered over a few rounds). */
  campaignsPerRound?: number;
  /** How an admitted call is started after commit; default: its dispatch at its pace slot. Specs stand in a process that dies here. */
  dispatch?(deps: DialerDeps, call: AdmittedCall): void;
}

const DEFAULTS = { intervalMs: 200, campaignsPerRound: 500, batchSize: 100, scanLimit: 2_000 };
/** How often a replica looks for campaign calls whose dispatch died after opening the session. */
const LOST_DISPATCH_SWEEP_MS = 5_000;

/** What one round did, for tests and logs. */
export interface CampaignRound {
  /** Campaigns this replica held the lock of and acted on. */
  handled: string[];
  admitted: AdmittedCall[];
}

/**
 * The campaign runner: every dialer replica runs this loop, and they coordinate through PostgreSQL only. Each round
 * looks at the campaigns with work to do and takes each one's row lock with `FOR UPDATE SKIP LOCKED` (a campaign
 * another replica is handling is left to it), then, in that one transaction: closes it at `end_at`, starts it at
 * `start_at`, completes it when every contact is final, or admits its next calls (campaign-admission), and sends a
 * `campaign.completed` still owed. The admitted calls are dispatched after commit, each at its pace slot.
 *
 * A background worker; `stop` waits for the round in progress (calls it admitted are tracked in `deps.inflight` until
 * their dispatch is done, which the module's drain waits for).
 */
export function startCampaignRunner(deps: DialerDeps, options: CampaignRunnerOptions = {}): { stop(): Promise<void> } {
  const runner = createCampaignRunner(deps, options);
  const loop = startWorkerLoop({ name: 'campaign runner', intervalMs: runner.intervalMs, firstDelayMs: 0, tick: () => runner.round(), logger: deps.logger });
  return { stop: () => loop.stop() };
}

export function createCampaignRunner(deps: DialerDeps, options: CampaignRunnerOptions = {}) {
  const opts = {
    intervalMs: options.intervalMs ?? DEFAULTS.intervalMs,
    campaignsPerRound: options.campaignsPerRound ?? DEFAULTS.campaignsPerRound,
    batchSize: options.batchSize ?? DEFAULTS.batchSize,
    scanLimit: options.scanLimit ?? DEFAULTS.scanLimit,
  };
  const admission: AdmissionOptions = { batchSize: opts.batchSize, scanLimit: opts.scanLimit, paceHorizonMs: options.paceHorizonMs ?? 2 * opts.intervalMs };
  const dispatch = options.dispatch ?? dispatchAt;
  const memory = new AdmissionMemory();
  const log = deps.logger.child({ worker: 'campaign-runner' });

  let sweptAt = -Infinity;

  async function round(): Promise<CampaignRound> {
    // Only calls dialed through LiveKit can lose their dial after the session opened (see failLostCampaignDispatches).
    if (deps.livekit && deps.now().getTime() - sweptAt >= LOST_DISPATCH_SWEEP_MS) {
      sweptAt = deps.now().getTime();
      await failLostCampaignDispatches(deps).catch((err: unknown) => log.error({ err }, 'looking for lost campaign dispatches failed'));
    }
    const ids = await campaignsWithWork(deps, opts.campaignsPerRound);
    const result: CampaignRound = { handled: [], admitted: [] };
    for (const id of ids) {
      try {
        const admitted = await handleCampaign(id);
        if (admitted === null) continue;
        result.handled.push(id);
        result.admitted.push(...admitted);
        for (const call of admitted) dispatch(deps, call);
      } catch (err) {
        // One campaign's failure (a deadlock with an API write, a bad row) must not hold up the others.
        log.error({ campaign_id: id, err }, 'campaign round failed');
      }
    }
    return result;
  }

  /**
   * One campaign under its row lock; null when another replica holds it or it has nothing to do any more. A running
   * campaign before its `end_at` with contacts still open (nearly every round) is admitted on libs/db `Sql`; anything
   * else (starting, ending, completing, a completion owed) goes to `handleLifecycle`, which locks it again.
   */
  async function handleCampaign(id: string): Promise<AdmittedCall[] | null> {
    const admitted = await deps.sql.transaction(async (tx) => {
      const campaign = await lockCampaign(tx, id);
      if (!campaign) return null;
      const now = deps.now();
      const pastEnd = campaign.endAt !== null && campaign.endAt <= now;
      if (campaign.status !== 'running' || pastEnd) return 'lifecycle' as const;
      // In a statement after the lock's: it sees every admission committed before this round took the campaign.
      const state = await readRoundState(tx, campaign, now);
      if (!state.open) return 'lifecycle' as const;
      return admitCampaignCalls(deps, tx, campaign, memory, admission, state);
    });
    return admitted === 'lifecycle' ? handleLifecycle(id) : admitted;
  }

  /** A campaign's lifecycle steps under its row lock (and its admission, when it turns `running` at its `start_at`). */
  function handleLifecycle(id: string): Promise<AdmittedCall[] | null> {
    return deps.prisma.$transaction(
      async (tx) => {
        const locked = await tx.$queryRaw<unknown[]>`SELECT 1 FROM campaigns WHERE id = ${id} FOR UPDATE SKIP LOCKED`;
        if (locked.length === 0) return null;
        let campaign = await tx.campaign.findUniqueOrThrow({ where: { id } });
        const now = deps.now();
        if ((LAUNCHED_CAMPAIGN_STATUSES as readonly string[]).includes(campaign.status) && campaign.endAt && campaign.endAt <= now) {
          await completeCampaign(deps, tx, campaign, 'end_at');
          return [];
        }
        if (campaign.status === 'scheduled' && (!campaign.startAt || campaign.startAt <= now)) {
          campaign = await tx.campaign.update({ where: { id }, data: { status: 'running', updatedAt: now } });
          log.info({ tenant_id: campaign.tenantId, campaign_id: id }, 'campaign started at its start_at');
        }
        if (campaign.status === 'running') {
          if (!(await hasOpenContacts(tx, id))) {
            await completeCampaign(deps, tx, campaign, 'all_final');
            return [];
          }
          return admitCampaignCalls(deps, tx, campaign, memory, admission);
        }
        await sendCompletionIfOwed(deps, tx, campaign);
        return [];
      },
      { timeout: 30_000 },
    );
  }

  return { intervalMs: opts.intervalMs, round };
}

/**
 * The campaigns a round must look at: running ones, scheduled ones whose `start_at` has come, paused or scheduled ones
 * whose `end_at` has passed, and ended ones whose `campaign.completed` is still owed. In random order, so replicas do
 * not all queue on the same one first and a list longer than `limit` is covered over a few rounds.
 */
async function campaignsWithWork(deps: DialerDeps, limit: number): Promise<string[]> {
  const rows = await deps.sql.query<{ id: string }>(CAMPAIGNS_WITH_WORK_SQL, [deps.now().toISOString(), FINAL_CAMPAIGN_STATUSES, limit]);
  return rows.map((r) => r.id);
}

const CAMPAIGNS_WITH_WORK_SQL = `
  SELECT id FROM campaigns
  WHERE status = 'running'
     OR (status = 'scheduled' AND (start_at IS NULL OR start_at <= $1::timestamp(3)))
     OR (status IN ('scheduled', 'paused') AND end_at <= $1::timestamp(3))
     OR (status = ANY($2::text[]) AND completion_sent_at IS NULL)
  ORDER BY random()
  LIMIT $3`;

/**
 * Starts an admitted call's dispatch at its pace slot (at most the pace horizon away), tracked in `deps.inflight`
 * from now on so a drain waits for it. A process that dies before the slot leaves the row `dispatching`: the
 * scheduler's stale reclaim places it.
 */
function dispatchAt(deps: DialerDeps, call: AdmittedCall): void {
  startDispatch(deps, call.id, call.at.getTime() - deps.now().getTime());
}

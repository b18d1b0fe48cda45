import { CallTransitions, lostCallsCounter } from '@callplane/calls';
import { envFields, replicaName } from '@callplane/config';
import { sqlOver } from '@callplane/db';
import { LiveKitCalls, LiveKitSip } from '@callplane/livekit';
import type { ApiRouterDeps, Platform, SecretBox, ServiceModule } from '@callplane/service-kit';
import type { Registry } from 'prom-client';
import { subscribeCallProgress } from './consumers/call-progress.consumer';
import { campaignRoutes } from './routes/campaigns.routes';
import { dncRoutes } from './routes/dnc.routes';
import { outboundRoutes } from './routes/outbound.routes';
import { studioRoutes } from './routes/studio.routes';
import { trialPoolRoutes } from './routes/trial-pool.routes';
import { webhookSettingsRoutes } from './routes/webhook-settings.routes';
import { campaignMetrics } from './usecases/campaign-metrics';
import { dialMetrics } from './usecases/dial-metrics';
import type { DialerDeps, DialerSettings } from './usecases/deps';
import { webhookMetrics } from './usecases/webhook-metrics';
import { redispatchOwnUnplacedCalls } from './usecases/own-dispatches.usecase';
import { ensureSandboxTrialNumber } from './usecases/trial-pool';
import { startCampaignRunner } from './workers/campaign-runner.worker';
import { startScheduler } from './workers/scheduler.worker';
import { startSessionReaper } from './workers/session-reaper.worker';
import { startTestCallWatchdog } from './workers/test-call-watchdog.worker';
import { startWebhookDelivery } from './workers/webhook-delivery.worker';

export interface DialerModuleOptions {
  platform: Platform;
  routerDeps: ApiRouterDeps;
  secrets: SecretBox;
  settings: DialerSettings;
  /**
   * LiveKit's API; without it (sandbox mode) only sandbox numbers can be called (others are refused,
   * `409 livekit_not_configured`) and the trial pool holds the sandbox's own number for studio test calls.
   */
  livekit?: { url: string; apiKey: string; apiSecret: string };
  /** PUBLIC_BASE_URL: where browsers reach the platform; sandbox web calls (no LiveKit) hand out their socket URL on it. */
  publicBaseUrl?: string;
  /** The process's `/metrics` registry (bootService's `registry`), for the dialer's and the reaper's counters and its webhook backlog. */
  registry?: Registry;
  /**
   * This process's name among the dialer's replicas (libs/config `replicaName`): recorded on the rows it claims, so
   * that restarted it takes back what its previous run left. Default: a name of this process alone (nothing to take back).
   */
  replica?: string;
  now?: () => Date;
}

/** Settings from the environment (TEST_CALL_*, DIAL_RINGING_TIMEOUT_SECONDS, WEBHOOK_ALLOW_PRIVATE_TARGETS, CAMPAIGN_RUNNER_INTERVAL_MS, CONTACTS_UPLOAD_MAX_BYTES, CALL_REAPER_GRACE_SECONDS). */
export function dialerSettingsFrom(config: {
  TEST_CALL_USER_DAILY_LIMIT: number;
  TEST_CALL_DESTINATION_DAILY_LIMIT: number;
  TEST_CALL_MAX_SECONDS: number;
  TEST_CALL_DISPATCH_TIMEOUT_SECONDS: number;
  DIAL_RINGING_TIMEOUT_SECONDS: number;
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
  CAMPAIGN_RUNNER_INTERVAL_MS?: number;
  /** Optional for callers that build settings by hand (specs): the variable's own default applies. */
  CONTACTS_UPLOAD_MAX_BYTES?: number;
  CALL_REAPER_GRACE_SECONDS?: number;
}): DialerSettings {
  return {
    testCallUserDailyLimit: config.TEST_CALL_USER_DAILY_LIMIT,
    testCallDestinationDailyLimit: config.TEST_CALL_DESTINATION_DAILY_LIMIT,
    testCallMaxSeconds: config.TEST_CALL_MAX_SECONDS,
    testCallDispatchTimeoutSeconds: config.TEST_CALL_DISPATCH_TIMEOUT_SECONDS,
    ringingTimeoutSeconds: config.DIAL_RINGING_TIMEOUT_SECONDS,
    webhookAllowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS,
    ...(config.CAMPAIGN_RUNNER_INTERVAL_MS ? { campaignRunnerIntervalMs: config.CAMPAIGN_RUNNER_INTERVAL_MS } : {}),
    contactsUploadMaxBytes: config.CONTACTS_UPLOAD_MAX_BYTES ?? envFields.CONTACTS_UPLOAD_MAX_BYTES.parse(undefined),
    reaperGraceSeconds: config.CALL_REAPER_GRACE_SECONDS ?? envFields.CALL_REAPER_GRACE_SECONDS.parse(undefined),
  };
}

/**
 * Outbound dial, scheduled calls, campaigns, studio test calls and customer status webhooks. Workers (scheduler,
 * campaign runner, test-call watchdog, session reaper, webhook delivery) coordinate across replicas through PostgreSQL row locks
 * (`FOR UPDATE SKIP LOCKED`).
 */
export function createDialerModule(opts: DialerModuleOptions): ServiceModule {
  const { platform } = opts;
  const logger = platform.logger.child({ module: 'dialer' });
  const deps: DialerDeps = {
    prisma: platform.db.prisma,
    sql: sqlOver(platform.db.prisma, platform.db.pool),
    secrets: opts.secrets,
    ...(opts.livekit ? { livekit: new LiveKitCalls(opts.livekit) } : {}),
    ...(opts.publicBaseUrl ? { publicBaseUrl: opts.publicBaseUrl } : {}),
    transitions: new CallTransitions({ prisma: platform.db.prisma, pool: platform.db.pool ?? null, outbox: platform.relay }),
    outbox: platform.relay,
    logger,
    settings: opts.settings,
    now: opts.now ?? (() => new Date()),
    inflight: new Set(),
    campaignMetrics: campaignMetrics(opts.registry),
    dialMetrics: dialMetrics(opts.registry),
    webhookMetrics: webhookMetrics(opts.registry, opts.registry && { prisma: platform.db.prisma, logger }),
    replica: opts.replica ?? replicaName({ PORT: 0 }),
    lostCalls: lostCallsCounter(opts.registry),
  };
  const workers: Array<{ stop(): Promise<void> }> = [];
  return {
    name: 'dialer',
    routers: [
      outboundRoutes(opts.routerDeps, deps),
      studioRoutes(opts.routerDeps, deps),
      trialPoolRoutes(opts.routerDeps, deps, { sip: opts.livekit && new LiveKitSip(opts.livekit) }),
      webhookSettingsRoutes(opts.routerDeps, deps),
      campaignRoutes(opts.routerDeps, deps),
      dncRoutes(opts.routerDeps, deps),
    ],
    async start() {
      // Sandbox mode: studio test calls to the sandbox numbers need a pool number to be placed from.
      if (!deps.livekit) await ensureSandboxTrialNumber(deps);
      await subscribeCallProgress(platform.bus, deps);
      // Before the scheduler and the campaign runner claim anything new: what is left claimed under this name is the previous run's.
      await redispatchOwnUnplacedCalls(deps);
      workers.push(
        startScheduler(deps),
        startCampaignRunner(deps, { intervalMs: opts.settings.campaignRunnerIntervalMs }),
        startTestCallWatchdog(deps),
        startSessionReaper(deps),
        startWebhookDelivery(deps),
      );
    },
    async stop() {
      await Promise.all(workers.splice(0).map((w) => w.stop()));
      await Promise.allSettled([...deps.inflight]);
    },
  };
}

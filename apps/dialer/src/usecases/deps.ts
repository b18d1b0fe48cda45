import type { CallTransitions } from '@callplane/calls';
import type { PrismaClient, Sql } from '@callplane/db';
import type { Counter } from 'prom-client';
import type { LiveKitCalls } from '@callplane/livekit';
import type { Logger, SecretBox } from '@callplane/service-kit';
import type { CampaignMetrics } from './campaign-metrics';
import type { DialMetrics } from './dial-metrics';
import type { WebhookMetrics } from './webhook-metrics';

/** Limits and timeouts from the environment (API.md: TEST_CALL_*; DIAL_RINGING_TIMEOUT_SECONDS; CAMPAIGN_RUNNER_INTERVAL_MS). */
export interface DialerSettings {
  testCallUserDailyLimit: number;
  testCallDestinationDailyLimit: number;
  testCallMaxSeconds: number;
  testCallDispatchTimeoutSeconds: number;
  ringingTimeoutSeconds: number;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: customer webhooks may go to loopback/private addresses (tests, closed networks). */
  webhookAllowPrivateTargets: boolean;
  /** Pause between the campaign runner's rounds (default 200 ms). */
  campaignRunnerIntervalMs?: number;
  /** CONTACTS_UPLOAD_MAX_BYTES: the largest contact upload body (`413 payload_too_large` above). */
  contactsUploadMaxBytes: number;
  /** CALL_REAPER_GRACE_SECONDS: how long past its maximum an open call waits before the reaper ends it `lost`. */
  reaperGraceSeconds: number;
}

export interface DialerDeps {
  prisma: PrismaClient;
  /**
   * The hot paths' statements (a campaign call's dispatch, its events, the runner's rounds) on the pg pool under
   * `prisma` (libs/db `sqlOver`), through Prisma on the embedded database.
   */
  sql: Sql;
  secrets: SecretBox;
  /** Unset when LiveKit is not configured: only calls to the sandbox carrier's numbers can be placed (by the voice agent's sandbox media plane). */
  livekit?: LiveKitCalls;
  /** PUBLIC_BASE_URL: where browsers reach Callplane (the sandbox web call's audio socket URL is built from it). */
  publicBaseUrl?: string;
  /** The one writer of call state after a call starts (libs/calls). */
  transitions: CallTransitions;
  outbox: { notify(): void };
  logger: Logger;
  settings: DialerSettings;
  /** Injectable for quota days and timeouts in tests. */
  now(): Date;
  /** Background dispatches in flight, so a drain can wait for them. */
  inflight: Set<Promise<unknown>>;
  /** The campaign runner's counters on the service's `/metrics`; absent where nothing serves them (use-case specs). */
  campaignMetrics?: CampaignMetrics;
  /** Dial requests admitted and refused (dial API, studio test calls); absent as `campaignMetrics` is. */
  dialMetrics?: DialMetrics;
  /** Status webhook deliveries by result; absent as `campaignMetrics` is. */
  webhookMetrics?: WebhookMetrics;
  /** This process's name among the dialer's replicas (libs/config `replicaName`), recorded on the rows it claims. */
  replica: string;
  /** `calls_reaped_total` on the service's `/metrics` (libs/calls `lostCallsCounter`). */
  lostCalls?: Counter<'stage' | 'source'>;
}

import http from 'node:http';
import https from 'node:https';
import { randomInt } from 'node:crypto';
import { WEBHOOK_HEADERS } from '@callplane/contracts';
import { startWorkerLoop, type WorkerLoop } from '@callplane/service-kit';
import type { DialerDeps } from '../usecases/deps';
import { signatureHeader, signingSecrets, type SigningSecrets } from '../usecases/webhook-signature';
import type { WebhookResult } from '../usecases/webhook-metrics';
import { pinnedLookup, resolveWebhookTarget, type Resolver } from '../usecases/webhook-target';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Retries go on for at least this long after the first attempt (API.md: at least once, retried with backoff). */
export const RETRY_WINDOW_MS = 24 * HOUR;
const BACKOFF_MS = [10 * SECOND, 30 * SECOND, MINUTE, 5 * MINUTE, 15 * MINUTE, HOUR, 2 * HOUR, 4 * HOUR];

/**
 * The planned wait before retry n (index n-1), without jitter: the backoff steps, then 4 h, the last one shortened so
 * they add up to exactly RETRY_WINDOW_MS. Jitter only lengthens a wait, so once every planned retry has failed at
 * least 24 h have passed since the first attempt — without storing when that was.
 */
export const RETRY_DELAYS_MS: readonly number[] = (() => {
  const out: number[] = [];
  let total = 0;
  for (let i = 0; total < RETRY_WINDOW_MS; i++) {
    const step = Math.min(BACKOFF_MS[Math.min(i, BACKOFF_MS.length - 1)]!, RETRY_WINDOW_MS - total);
    out.push(step);
    total += step;
  }
  return out;
})();

/** Up to +10 % on each wait, so receivers that failed together are not retried in lockstep. */
const JITTER = 0.1;

export interface WebhookDeliveryOptions {
  /** Deliveries claimed per batch (and sent in parallel, at most one per call). Default 20. */
  batchSize?: number;
  /** How often the background loop looks for due deliveries. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Per request: connect, send, and the status line. Default 10 s. */
  timeoutMs?: number;
  /** How long a claimed delivery stays invisible to other workers; after a crash it is retried when this passes. Default 60 s. */
  leaseMs?: number;
  /** Batches per round at most, so `stop` never waits on an endless round. Default 50. */
  maxBatchesPerRound?: number;
  /** DNS for the SSRF guard; tests substitute it. */
  resolve?: Resolver;
  /** 0 ≤ x < 1 for jitter; tests pin it. */
  random?: () => number;
  /** Delivered and given-up deliveries older than this are deleted (at most hourly). Default 30 days. */
  retentionMs?: number;
}

export interface RoundResult {
  delivered: number;
  failed: number;
  gaveUp: number;
}

export interface WebhookDeliveryWorker {
  /** Claims and sends every delivery due at `deps.now()`, batch after batch, until none is left (or the batch cap). */
  runOnce(): Promise<RoundResult>;
  /** Deletes finished deliveries (delivered or given up) older than the retention; returns how many. */
  prune(): Promise<number>;
  start(): void;
  /** Stops the loop and waits for the round in progress. */
  stop(): Promise<void>;
}

interface Claimed {
  id: string;
  tenantId: string;
  sessionId: string;
  url: string;
  body: string;
  /** This attempt's number, counted at claim so a worker that dies mid-attempt still uses one up. */
  attempts: number;
  /** The lease this worker holds: the outcome is written only while `next_attempt_at` still equals it. */
  leaseUntil: Date;
}

type Outcome = { ok: true; status: number } | { ok: false; reason: string; final?: boolean };

/** A round's tally as the metric names it (a delivery's own state: `gave_up`). */
const METRIC_RESULT: Record<keyof RoundResult, WebhookResult> = { delivered: 'delivered', failed: 'failed', gaveUp: 'gave_up' };

/** The background worker `app.ts` runs. */
export function startWebhookDelivery(deps: DialerDeps, opts: WebhookDeliveryOptions = {}): WebhookDeliveryWorker {
  const worker = createWebhookDelivery(deps, opts);
  worker.start();
  return worker;
}

/**
 * Status-webhook delivery. Every state lives in `webhook_deliveries`, so a restart loses nothing and any number of
 * replicas share the work: a delivery is claimed with `FOR UPDATE SKIP LOCKED` by pushing its `next_attempt_at` out by a
 * lease, sent outside any transaction, and its outcome written only if the lease is still ours. A call's deliveries go
 * out in order: one is not claimed while an earlier one (by occurred_at, then id) of the same call is still pending.
 */
export function createWebhookDelivery(deps: DialerDeps, opts: WebhookDeliveryOptions = {}): WebhookDeliveryWorker {
  const batchSize = opts.batchSize ?? 20;
  const pollIntervalMs = opts.pollIntervalMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 10 * SECOND;
  const leaseMs = opts.leaseMs ?? MINUTE;
  const maxBatches = opts.maxBatchesPerRound ?? 50;
  const random = opts.random ?? (() => randomInt(1_000_000) / 1_000_000);
  const log = deps.logger.child({ worker: 'webhook-delivery' });
  const retentionMs = opts.retentionMs ?? 30 * 24 * 60 * MINUTE;
  let prunedAt = 0;

  let loop: WorkerLoop | undefined;
  /** Set by stop(): a round in progress ends after its current batch. */
  let stopped = false;
  /** Rounds run one at a time in a process (the loop and a test's runOnce never overlap); the tail of that queue. */
  let tail: Promise<unknown> = Promise.resolve();
  const exclusive = <T>(fn: () => Promise<T>): Promise<T> => {
    const p = tail.then(fn);
    tail = p.catch(() => undefined);
    return p;
  };

  async function claim(): Promise<Claimed[]> {
    const now = deps.now();
    const leaseUntil = new Date(now.getTime() + leaseMs);
    // Every poll on every replica, nearly always claiming nothing: on libs/db `Sql`.
    const rows = await deps.sql.query<Omit<Claimed, 'leaseUntil'>>(CLAIM_DUE_DELIVERIES_SQL, [now.toISOString(), batchSize, leaseUntil.toISOString()]);
    return rows.map((r) => ({ ...r, leaseUntil }));
  }

  async function send(d: Claimed, secrets: SigningSecrets): Promise<Outcome> {
    const target = await resolveWebhookTarget(d.url, { allowPrivateTargets: deps.settings.webhookAllowPrivateTargets, ...(opts.resolve ? { resolve: opts.resolve } : {}) });
    if (!target.ok) return target.reason === 'target_not_allowed' ? { ok: false, reason: 'target_not_allowed', final: true } : { ok: false, reason: `dns_failed: ${target.detail}` };
    const body = Buffer.from(d.body, 'utf8');
    const headers = {
      'content-type': 'application/json',
      'content-length': String(body.length),
      'user-agent': 'Callplane-Webhooks/1',
      [WEBHOOK_HEADERS.signature]: signatureHeader(secrets, d.body, deps.now()),
      [WEBHOOK_HEADERS.eventId]: d.id,
    };
    const request = target.url.protocol === 'https:' ? https.request : http.request;
    return new Promise<Outcome>((resolve) => {
      let settled = false;
      const finish = (o: Outcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        resolve(o);
      };
      // agent: false: a fresh connection to the pinned address each time, never a pooled socket opened for another lookup.
      const req = request(target.url, { method: 'POST', headers, agent: false, lookup: pinnedLookup(target.address) }, (res) => {
        const status = res.statusCode ?? 0;
        // The body is not read: only the status matters, and a slow or endless body must not hold the worker.
        res.destroy();
        finish(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, reason: `http_${status}` });
      });
      const timeout = setTimeout(() => {
        finish({ ok: false, reason: 'timeout' });
        req.destroy();
      }, timeoutMs);
      req.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, reason: `network_error: ${err.code ?? err.message}` }));
      req.end(body);
    });
  }

  async function record(d: Claimed, outcome: Outcome): Promise<keyof RoundResult> {
    const lease = { id: d.id, state: 'pending', nextAttemptAt: d.leaseUntil };
    const dlog = log.child({ tenant_id: d.tenantId, session_id: d.sessionId, event_id: d.id, attempt: d.attempts });
    const now = deps.now();
    let result: keyof RoundResult;
    let data: { state: string; lastError?: string; nextAttemptAt?: Date; deliveredAt?: Date };
    if (outcome.ok) {
      result = 'delivered';
      data = { state: 'delivered', deliveredAt: now };
      dlog.info({ status: outcome.status }, 'status webhook delivered');
    } else if (outcome.final || d.attempts > RETRY_DELAYS_MS.length) {
      result = 'gaveUp';
      data = { state: 'gave_up', lastError: outcome.reason };
      dlog.warn({ reason: outcome.reason }, 'status webhook given up');
    } else {
      result = 'failed';
      const wait = Math.round(RETRY_DELAYS_MS[d.attempts - 1]! * (1 + JITTER * random()));
      data = { state: 'pending', lastError: outcome.reason, nextAttemptAt: new Date(now.getTime() + wait) };
      dlog.info({ reason: outcome.reason, retry_in_ms: wait }, 'status webhook failed; will retry');
    }
    const { count } = await deps.prisma.webhookDelivery.updateMany({ where: lease, data });
    // The lease ran out mid-attempt and another worker has the delivery now: its outcome counts, not ours.
    if (count === 0) dlog.warn('status webhook lease lost; outcome not recorded');
    else deps.webhookMetrics?.deliveries.inc({ result: METRIC_RESULT[result] });
    return result;
  }

  async function runBatch(result: RoundResult): Promise<number> {
    const batch = await claim();
    const secretsByTenant = new Map<string, Promise<SigningSecrets>>();
    await Promise.all(
      batch.map(async (d) => {
        let outcome: Outcome;
        try {
          if (!secretsByTenant.has(d.tenantId)) secretsByTenant.set(d.tenantId, signingSecrets(deps, d.tenantId));
          outcome = await send(d, await secretsByTenant.get(d.tenantId)!);
        } catch (err) {
          outcome = { ok: false, reason: `internal_error: ${(err as Error).message}` };
        }
        result[await record(d, outcome)]++;
      }),
    );
    return batch.length;
  }

  /** Finished deliveries are kept for a while (support questions), then deleted: pending ones never are. */
  async function prune(): Promise<number> {
    const before = new Date(deps.now().getTime() - retentionMs);
    const { count } = await deps.prisma.webhookDelivery.deleteMany({ where: { state: { in: ['delivered', 'gave_up'] }, createdAt: { lt: before } } });
    if (count > 0) log.info({ deleted: count }, 'old status webhook deliveries deleted');
    return count;
  }

  async function round(): Promise<RoundResult> {
    if (deps.now().getTime() - prunedAt >= 60 * MINUTE) {
      prunedAt = deps.now().getTime();
      await prune().catch((err: unknown) => log.warn({ err }, 'pruning old status webhook deliveries failed'));
    }
    const result: RoundResult = { delivered: 0, failed: 0, gaveUp: 0 };
    for (let i = 0; i < maxBatches && !stopped; i++) {
      if ((await runBatch(result)) === 0) break;
    }
    return result;
  }

  return {
    runOnce: () => exclusive(round),
    prune: () => exclusive(prune),
    start: () => {
      stopped = false;
      loop = startWorkerLoop({ name: 'status webhook', intervalMs: pollIntervalMs, tick: () => exclusive(round), logger: log });
    },
    stop: async () => {
      stopped = true;
      await loop?.stop();
      // A runOnce or prune called beside the loop is in flight too.
      await tail;
    },
  };
}

const CLAIM_DUE_DELIVERIES_SQL = `
  WITH due AS (
    SELECT d.id FROM webhook_deliveries d
    WHERE d.state = 'pending' AND d.next_attempt_at <= ($1::timestamptz AT TIME ZONE 'UTC')
      AND NOT EXISTS (
        SELECT 1 FROM webhook_deliveries e
        WHERE e.session_id = d.session_id AND e.state = 'pending' AND (e.occurred_at, e.id) < (d.occurred_at, d.id))
    ORDER BY d.next_attempt_at, d.occurred_at, d.id
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
  UPDATE webhook_deliveries w
  SET next_attempt_at = ($3::timestamptz AT TIME ZONE 'UTC'), attempts = w.attempts + 1
  FROM due WHERE w.id = due.id
  RETURNING w.id, w.tenant_id AS "tenantId", w.session_id AS "sessionId", w.url, w.body, w.attempts`;

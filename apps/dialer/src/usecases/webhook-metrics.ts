import type { PrismaClient } from '@callplane/db';
import { sampledGauge, type Logger } from '@callplane/service-kit';
import { Counter, Registry } from 'prom-client';

/** What an attempt at a status webhook came to: sent, failed with a retry planned, or given up (the delivery's final states). */
export const WEBHOOK_RESULTS = ['delivered', 'failed', 'gave_up'] as const;
export type WebhookResult = (typeof WEBHOOK_RESULTS)[number];

export interface WebhookMetrics {
  /** Delivery attempts whose outcome was recorded, by result. */
  deliveries: Counter<'result'>;
}

/**
 * The status-webhook counter, and `webhook_retry_backlog` read from `webhook_deliveries` at scrape time (the pending
 * deliveries that have failed at least once: `last_error` is set by a failed attempt only, so one on its first attempt
 * is not counted). Every dialer replica reports the same backlog: aggregate it with max.
 */
export function webhookMetrics(registry: Registry = new Registry(), db?: { prisma: PrismaClient; logger: Logger }): WebhookMetrics {
  if (db) {
    sampledGauge(registry, {
      name: 'webhook_retry_backlog',
      help: 'Status webhooks waiting for a retry after a failed attempt (the same figure from every replica: aggregate with max)',
      logger: db.logger,
      sample: async () => [{ value: await db.prisma.webhookDelivery.count({ where: { state: 'pending', lastError: { not: null } } }) }],
    });
  }
  const name = 'webhook_deliveries_total';
  const deliveries =
    (registry.getSingleMetric(name) as Counter<'result'> | undefined) ??
    new Counter({ name, help: 'Status webhook delivery attempts, by result: delivered, failed (will retry), gave_up', labelNames: ['result'], registers: [registry] });
  return { deliveries };
}

import type { Registry } from 'prom-client';
import type { Platform } from './platform';
import { sampledGauge, sharedRead } from './sampled-gauge';

/**
 * What every service reports about the infrastructure it runs on, read at scrape time: the outbox waiting to be
 * relayed (one shared table: every replica reports the same figure) and the lag of the consumer groups this process
 * has joined (Kafka's committed offsets against the log end: the same figure from every member of a group; the
 * in-process bus: what is queued).
 */
export function registerPlatformMetrics(registry: Registry, platform: Platform): void {
  const logger = platform.logger.child({ component: 'metrics' });
  const backlog = sharedRead(() => platform.relay.backlog());
  sampledGauge(registry, {
    name: 'outbox_backlog',
    help: 'Outbox rows not yet published to the bus (the same figure from every replica: aggregate with max)',
    logger,
    sample: async () => [{ value: (await backlog()).rows }],
  });
  sampledGauge(registry, {
    name: 'outbox_oldest_unpublished_age_seconds',
    help: 'How long the oldest unpublished outbox row has waited; 0 when none waits (aggregate with max)',
    logger,
    sample: async () => [{ value: (await backlog()).oldestAgeSeconds }],
  });
  sampledGauge(registry, {
    name: 'consumer_lag',
    help: 'Events a consumer group has still to handle, per topic (every member reports its group: aggregate with max)',
    labelNames: ['group', 'topic'],
    logger,
    sample: async () => ((await platform.bus.consumerLag?.()) ?? []).map((l) => ({ labels: { group: l.group, topic: l.topic }, value: l.lag })),
  });
}

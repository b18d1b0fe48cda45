import { countCallsInProgress } from '@callplane/calls';
import type { PrismaClient } from '@callplane/db';
import { sampledGauge, type Logger } from '@callplane/service-kit';
import type { Registry } from 'prom-client';

/**
 * `calls_in_progress`, read from the call sessions at every scrape. The gateway serves it (every call's reports pass
 * through it), and only the gateway, so the series comes from one service; its replicas all report the same figure,
 * so dashboards take `max` over them, never `sum`.
 */
export function registerGatewayMetrics(registry: Registry, prisma: PrismaClient, logger: Logger): void {
  sampledGauge(registry, {
    name: 'calls_in_progress',
    help: 'Calls not ended yet, by direction, call type, provider and state (the same figure from every replica: aggregate with max)',
    labelNames: ['direction', 'call_type', 'provider', 'state'],
    logger,
    sample: async () =>
      (await countCallsInProgress(prisma)).map((c) => ({ labels: { direction: c.direction, call_type: c.callType, provider: c.provider, state: c.state }, value: c.calls })),
  });
}

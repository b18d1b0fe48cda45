import { TOPICS } from '@callplane/contracts';
import { outboxRow } from '@callplane/events';
import { Registry } from 'prom-client';
import { createLogger } from './logger';
import { createPlatform, type Platform } from './platform';
import { registerPlatformMetrics } from './platform-metrics';
import { sampledGauge } from './sampled-gauge';

const logger = createLogger({ name: 'platform-metrics-spec', level: 'silent' });

/** The value of an unlabelled metric, or of one label set, in a scrape. */
function valueIn(scrape: string, series: string): number | undefined {
  const line = scrape.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('platform metrics (outbox backlog, consumer lag), read at scrape time', () => {
  let platform: Platform;
  const registry = new Registry();
  beforeAll(async () => {
    // No relay loop: the spec decides when rows are published.
    platform = await createPlatform({ service: 'platform-metrics-spec', logger, databaseUrl: process.env.DATABASE_URL, relayOutbox: false });
    registerPlatformMetrics(registry, platform);
  });
  afterAll(() => platform.close());

  it('counts unpublished outbox rows and the age of the oldest; both fall to 0 once the relay has published them', async () => {
    const before = await registry.metrics();
    expect(valueIn(before, 'outbox_backlog')).toBe(0);
    expect(valueIn(before, 'outbox_oldest_unpublished_age_seconds')).toBe(0);

    const waiting = [0, 1, 2].map((i) => outboxRow({ topic: TOPICS.dialerCommands, type: 'spec.waiting', tenantId: 'ten_spec', key: `k${i}`, data: { i } }));
    // The oldest has waited ten minutes (a relay that cannot reach the broker).
    const tenMinutesAgo = new Date(Date.now() - 10 * 60_000);
    await platform.db.prisma.outboxEvent.createMany({
      data: waiting.map((r, i) => ({ ...r, envelope: JSON.parse(JSON.stringify(r.envelope)), createdAt: i === 0 ? tenMinutesAgo : r.createdAt })),
    });
    const backlog = await registry.metrics();
    expect(valueIn(backlog, 'outbox_backlog')).toBe(3);
    const age = valueIn(backlog, 'outbox_oldest_unpublished_age_seconds')!;
    expect(age).toBeGreaterThanOrEqual(600);
    expect(age).toBeLessThan(24 * 3600);

    await platform.relay.flush();
    const after = await registry.metrics();
    expect(valueIn(after, 'outbox_backlog')).toBe(0);
    expect(valueIn(after, 'outbox_oldest_unpublished_age_seconds')).toBe(0);
  });

  it("reports each consumer group's lag per topic from the bus (in-process: events queued and not yet handled)", async () => {
    let release!: () => void;
    const stuck = new Promise<void>((r) => (release = r));
    await platform.bus.subscribe({ group: 'metrics-spec', topics: [TOPICS.numbersChanges], handler: () => stuck });
    const series = `consumer_lag{group="metrics-spec",topic="${TOPICS.numbersChanges}"}`;
    expect(valueIn(await registry.metrics(), series)).toBe(0);

    const rows = [1, 2].map((i) => outboxRow({ topic: TOPICS.numbersChanges, type: 'spec.changed', tenantId: 'ten_spec', key: 'pn_1', data: { i } }));
    await platform.db.prisma.outboxEvent.createMany({ data: rows.map((r) => ({ ...r, envelope: JSON.parse(JSON.stringify(r.envelope)) })) });
    await platform.relay.flush();
    expect(valueIn(await registry.metrics(), series)).toBe(2);
    release();
  });
});

describe('sampledGauge', () => {
  it('a failed read is logged and shows as unknown (NaN) for that scrape, and the rest of /metrics is still served', async () => {
    const registry = new Registry();
    let failing = true;
    sampledGauge(registry, { name: 'spec_sampled', help: 'spec', logger, sample: async () => (failing ? Promise.reject(new Error('database down')) : [{ value: 7 }]) });
    sampledGauge(registry, {
      name: 'spec_labelled',
      help: 'spec',
      labelNames: ['kind'],
      logger,
      sample: async () => (failing ? Promise.reject(new Error('database down')) : [{ labels: { kind: 'a' }, value: 1 }]),
    });
    const down = await registry.metrics();
    expect(valueIn(down, 'spec_sampled')).toBeNaN();
    expect(down).not.toContain('spec_labelled{');
    failing = false;
    const up = await registry.metrics();
    expect(valueIn(up, 'spec_sampled')).toBe(7);
    expect(valueIn(up, 'spec_labelled{kind="a"}')).toBe(1);
  });
});

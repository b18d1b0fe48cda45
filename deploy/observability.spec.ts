import { randomBytes } from 'node:crypto';
import { bootService, SecretBox, type BootOptions, type RunningService } from '@callplane/service-kit';
import { parse } from 'yaml';
/* eslint-disable @nx/enforce-module-boundaries -- the check scrapes the five services as they run, composed as the all-in-one composes them */
import { createAnalyticsModule } from '../apps/analytics/src/app';
import { createDialerModule, dialerSettingsFrom } from '../apps/dialer/src/app';
import { createProvisioningModule } from '../apps/provisioning/src/app';
import { createGatewayModule } from '../apps/telephony-gateway/src/app';
import { createVoiceAgentModule } from '../apps/voice-agent/src/app';
/* eslint-enable @nx/enforce-module-boundaries */
import { dashboardExprs, dashboardProblems, ruleExprs, ruleFileProblems, type GrafanaDashboard, type PrometheusRuleFile } from './support/observability-checks';
import { declaredMetrics, metricNamesIn, metricOfSeries } from './support/promql-metrics';
import { readText } from './support/load';

const dashboard = JSON.parse(readText('deploy/observability/grafana-dashboard.json')) as GrafanaDashboard;
const rules = parse(readText('deploy/observability/prometheus-rules.yaml')) as PrometheusRuleFile;

/** The domain metrics (issue: calls, webhooks, outbox, consumers, dialer, voice agent) the dashboard must show. */
const DOMAIN_METRICS = [
  'calls_started_total',
  'calls_ended_total',
  'calls_in_progress',
  'webhook_deliveries_total',
  'webhook_retry_backlog',
  'outbox_backlog',
  'outbox_oldest_unpublished_age_seconds',
  'consumer_lag',
  'dial_requests_admitted_total',
  'dial_requests_refused_total',
  'campaign_calls_admitted_total',
  'campaign_admissions_refused_total',
  'campaign_contact_outcomes_total',
  'voice_agent_turn_latency_seconds',
  'voice_agent_missed_turns_total',
  'calls_reaped_total',
];

describe('deploy/observability: the Grafana dashboard and the Prometheus rules', () => {
  it('are a dashboard model Grafana imports and a rule file Prometheus loads', () => {
    expect(dashboardProblems(dashboard)).toEqual([]);
    expect(ruleFileProblems(rules)).toEqual([]);
  });

  it('the checks notice a broken dashboard or rule file', () => {
    const broken = structuredClone(dashboard);
    const panel = broken.panels!.find((p) => p.type !== 'row')!;
    panel.id = broken.panels![0]!.id;
    panel.targets = [{ refId: 'A', expr: '' }];
    expect(dashboardProblems(broken)).toEqual(expect.arrayContaining([`panel "${panel.title}": id missing or repeated`, `panel "${panel.title}" A: empty expr`]));
    const badRules = structuredClone(rules);
    badRules.groups![0]!.rules![0]! = { ...badRules.groups![0]!.rules![0]!, for: 'five minutes', labels: { severity: 'loud' } };
    const name = badRules.groups![0]!.rules![0]!.alert;
    expect(ruleFileProblems(badRules)).toEqual([`${name}: for "five minutes" is not a duration`, `${name}: severity must be one of info, warning, critical`]);
  });

  it('reads metric names out of PromQL, not functions, labels, keywords, durations or variables', () => {
    expect(
      metricNamesIn(
        'sum by (provider, sip_status) (increase(calls_ended_total{outcome="failed", sip_status!="none"}[15m])) > 10 and on (provider) ' +
          '(sum by (provider) (rate(calls_ended_total[$__rate_interval] offset 1d)) / ignoring(x) group_left sum(calls_started_total) > bool 0.2e1)',
      ).sort(),
    ).toEqual(['calls_ended_total', 'calls_started_total']);
    expect(metricNamesIn('histogram_quantile(0.95, sum(rate(voice_agent_turn_latency_seconds_bucket[5m])) by (le))')).toEqual(['voice_agent_turn_latency_seconds_bucket']);
    expect(metricOfSeries('voice_agent_turn_latency_seconds_bucket', new Set(['voice_agent_turn_latency_seconds']))).toBe('voice_agent_turn_latency_seconds');
    expect(metricOfSeries('calls_ended_count', new Set(['voice_agent_turn_latency_seconds']))).toBe('calls_ended_count');
  });

  it('shows every domain metric on the dashboard, and alerts on the outbox, consumers, webhooks, SIP failures and missed turns', () => {
    const histograms = new Set(['voice_agent_turn_latency_seconds']);
    const onDashboard = new Set(dashboardExprs(dashboard).flatMap((e) => metricNamesIn(e.expr).map((n) => metricOfSeries(n, histograms))));
    expect(DOMAIN_METRICS.filter((m) => !onDashboard.has(m))).toEqual([]);
    const alerted = new Set(ruleExprs(rules).flatMap((e) => metricNamesIn(e.expr)));
    for (const m of ['outbox_oldest_unpublished_age_seconds', 'consumer_lag', 'webhook_retry_backlog', 'calls_ended_total', 'voice_agent_missed_turns_total', 'calls_reaped_total']) expect({ m, alerted: alerted.has(m) }).toEqual({ m, alerted: true });
  });

  describe('against the running services (PostgreSQL, the Kafka test broker)', () => {
    jest.setTimeout(120_000);
    const services = new Map<string, RunningService>();
    const scrapes = new Map<string, string>();
    const config = {
      PORT: 0,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'silent',
      ADMIN_TOKEN: `admin-${randomBytes(12).toString('hex')}`,
      SHUTDOWN_GRACE_SECONDS: 5,
      DATABASE_URL: process.env.DATABASE_URL!,
      DATABASE_POOL_SIZE: 3,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS!.split(','),
      KAFKA_IDEMPOTENT: false,
      // Its own topics and groups on the shared broker.
      KAFKA_NAMESPACE: `obs${randomBytes(4).toString('hex')}`,
    };

    beforeAll(async () => {
      const secrets = new SecretBox(randomBytes(32));
      const publicBaseUrl = 'https://voice.example.com';
      const boot = async (name: string, modules: BootOptions<typeof config>['modules']) => services.set(name, await bootService({ name, config, handleSignals: false, modules }));
      await boot('provisioning', ({ platform, routerDeps }) => [createProvisioningModule({ platform, routerDeps, secrets, publicBaseUrl })]);
      await boot('telephony-gateway', ({ platform, routerDeps, registry }) => [createGatewayModule({ platform, routerDeps, registry, secrets, publicBaseUrl, livekitSipHost: 'sip.example.com' })]);
      await boot('analytics', ({ platform, routerDeps, registry }) => [createAnalyticsModule({ platform, routerDeps, registry })]);
      const settings = dialerSettingsFrom({
        TEST_CALL_USER_DAILY_LIMIT: 5,
        TEST_CALL_DESTINATION_DAILY_LIMIT: 3,
        TEST_CALL_MAX_SECONDS: 120,
        TEST_CALL_DISPATCH_TIMEOUT_SECONDS: 90,
        DIAL_RINGING_TIMEOUT_SECONDS: 30,
        WEBHOOK_ALLOW_PRIVATE_TARGETS: false,
      });
      await boot('dialer', ({ platform, routerDeps, registry }) => [createDialerModule({ platform, routerDeps, registry, secrets, settings })]);
      await boot('voice-agent', ({ platform, registry }) => [createVoiceAgentModule({ platform, registry })]);
      for (const [name, s] of services) {
        const res = await fetch(`http://127.0.0.1:${s.port}/metrics`);
        expect({ name, status: res.status }).toEqual({ name, status: 200 });
        scrapes.set(name, await res.text());
      }
    });
    afterAll(async () => {
      for (const s of [...services.values()].reverse()) await s.stop();
    });

    /** The services whose scrape declares `metric`. */
    const servedBy = (metric: string) => [...scrapes].filter(([, text]) => declaredMetrics(text).has(metric)).map(([name]) => name);

    it('every metric the dashboard and the rules name is in a scrape of some service', () => {
      const declared = new Map([...scrapes.values()].flatMap((text) => [...declaredMetrics(text)]));
      const histograms = new Set([...declared].filter(([, kind]) => kind === 'histogram' || kind === 'summary').map(([name]) => name));
      const named = [...dashboardExprs(dashboard), ...ruleExprs(rules)].flatMap(({ where, expr }) => metricNamesIn(expr).map((n) => ({ where, metric: metricOfSeries(n, histograms) })));
      expect(new Set(named.map((n) => n.metric)).size).toBeGreaterThan(DOMAIN_METRICS.length);
      expect(named.filter((n) => !declared.has(n.metric))).toEqual([]);
    });

    it('each metric comes from the service that knows it; the platform ones from every service', () => {
      expect(servedBy('calls_started_total')).toEqual(['analytics']);
      expect(servedBy('calls_ended_total')).toEqual(['analytics']);
      expect(servedBy('calls_in_progress')).toEqual(['telephony-gateway']);
      for (const m of ['webhook_deliveries_total', 'webhook_retry_backlog', 'dial_requests_refused_total', 'campaign_admissions_refused_total']) expect({ m, by: servedBy(m) }).toEqual({ m, by: ['dialer'] });
      for (const m of ['voice_agent_turn_latency_seconds', 'voice_agent_missed_turns_total']) expect({ m, by: servedBy(m) }).toEqual({ m, by: ['voice-agent'] });
      for (const m of ['outbox_backlog', 'outbox_oldest_unpublished_age_seconds', 'consumer_lag']) expect({ m, by: servedBy(m) }).toEqual({ m, by: [...services.keys()] });
      // Read from the broker at scrape time: the analytics group's lag on each of its topics, under its plain name.
      expect(scrapes.get('analytics')).toMatch(/^consumer_lag\{group="analytics\.sessions",topic="call\.lifecycle",service="analytics"\} \d+$/m);
    });
  });
});

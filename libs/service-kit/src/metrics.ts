import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { Logger } from './logger';

export interface HttpMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route' | 'status'>;
}

/** One registry per process; labelled by route pattern (never the raw URL, whose ids would explode cardinality). */
export function createMetrics(service: string, registry = new Registry()): HttpMetrics {
  registry.setDefaultLabels({ service });
  if (!registry.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics({ register: registry });
  const requests =
    (registry.getSingleMetric('http_requests_total') as Counter<'method' | 'route' | 'status'> | undefined) ??
    new Counter({ name: 'http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers: [registry] });
  const duration =
    (registry.getSingleMetric('http_request_duration_seconds') as Histogram<'method' | 'route' | 'status'> | undefined) ??
    new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    });
  return { registry, requests, duration };
}

/**
 * A finished request, counted and timed under its route pattern, and its `request` log line when `info` is on
 * (`log` is only called then: a request logger costs redaction work to build). Both HTTP paths (express, lean) use it.
 */
export function observeRequest(
  metrics: HttpMetrics,
  r: { method: string; route: string; status: number; started: bigint; logging: boolean; log: () => Logger },
): void {
  const labels = { method: r.method, route: r.route, status: String(r.status) };
  const seconds = Number(process.hrtime.bigint() - r.started) / 1e9;
  metrics.requests.inc(labels);
  metrics.duration.observe(labels, seconds);
  if (r.logging) r.log().info({ method: r.method, route: r.route, status: r.status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
}

import { Gauge, type Registry } from 'prom-client';
import type { Logger } from './logger';

/** One value of a sampled gauge, with its labels (none for an unlabelled gauge). */
export interface GaugeSample<L extends string> {
  labels?: Partial<Record<L, string>>;
  value: number;
}

export interface SampledGaugeOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: L[];
  logger: Logger;
  /** Reads the current values; called on every scrape. */
  sample(): Promise<Array<GaugeSample<L>>>;
}

/**
 * A gauge read when Prometheus scrapes (prom-client's `collect`), from where the truth lives (the database, the
 * bus), instead of being kept up to date in memory: it cannot drift, and every replica reporting it reports the same
 * figure (dashboards take `max`, not `sum`, over replicas). Only the values of this scrape are shown: a label set
 * that is gone is dropped. A failed read is logged and leaves the gauge without samples (NaN when it has no labels:
 * "unknown"), so the rest of `/metrics` is still served. Registered once per registry: the first caller's wins.
 */
export function sampledGauge<L extends string>(registry: Registry, opts: SampledGaugeOptions<L>): Gauge<L> {
  const existing = registry.getSingleMetric(opts.name) as Gauge<L> | undefined;
  if (existing) return existing;
  const labelled = (opts.labelNames ?? []).length > 0;
  return new Gauge<L>({
    name: opts.name,
    help: opts.help,
    labelNames: opts.labelNames ?? [],
    registers: [registry],
    async collect() {
      let samples: Array<GaugeSample<L>>;
      try {
        samples = await opts.sample();
      } catch (err) {
        opts.logger.warn({ err, metric: opts.name }, 'metric could not be read for this scrape');
        this.reset();
        if (!labelled) this.set(NaN);
        return;
      }
      this.reset();
      for (const s of samples) {
        if (s.labels) this.set(s.labels, s.value);
        else this.set(s.value);
      }
    },
  });
}

/**
 * One read shared by the gauges that report its parts (a scrape collects every gauge at once): while a read is in
 * flight, callers get that read instead of starting another.
 */
export function sharedRead<T>(read: () => Promise<T>): () => Promise<T> {
  let inFlight: Promise<T> | null = null;
  return () =>
    (inFlight ??= read().finally(() => {
      inFlight = null;
    }));
}

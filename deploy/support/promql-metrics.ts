/**
 * The metric names a PromQL expression reads, by a tokenizer that knows PromQL's shape: string literals, range and
 * subquery brackets (`[5m]`, `[1h:1m]`), label matchers (`{outcome="failed"}`) and grouping lists (`by (provider)`,
 * `on (…)`, `group_left (…)`) are set aside first; what is left, an identifier that is not a keyword, not a number
 * or duration, and not followed by `(` (a function or an aggregation), is a metric name. Grafana's `$variables` are
 * not identifiers.
 */
const KEYWORDS = new Set(['and', 'or', 'unless', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'inf', 'nan', 'atan2']);

export function metricNamesIn(expr: string): string[] {
  const stripped = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/gi, ' ');
  const names = new Set<string>();
  // Numbers and durations (1e3, 0.95, 5m, 1h30m) first, so their letters are not read as names; `$var` likewise.
  const token = /\$\{?\w+\}?|\d+(?:\.\d+)?(?:e[+-]?\d+)?(?:ms|[smhdwy])*|([A-Za-z_:][\w:]*)(\s*\()?/g;
  for (const m of stripped.matchAll(token)) {
    const [, name, call] = m;
    if (!name || call || KEYWORDS.has(name.toLowerCase())) continue;
    names.add(name);
  }
  return [...names];
}

/** A histogram's or summary's series name as the metric it belongs to (`…_bucket`, `…_sum`, `…_count`). */
export function metricOfSeries(name: string, histograms: ReadonlySet<string>): string {
  const m = /^(.*)_(bucket|sum|count)$/.exec(name);
  return m && histograms.has(m[1]!) ? m[1]! : name;
}

/** The metrics a Prometheus text scrape declares (`# TYPE name kind`), by name. */
export function declaredMetrics(scrape: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of scrape.matchAll(/^# TYPE (\S+) (\S+)$/gm)) out.set(m[1]!, m[2]!);
  return out;
}

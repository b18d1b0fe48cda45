/** What deploy/observability holds: a Grafana dashboard model and a Prometheus rule file, and the checks on them. */

export interface GrafanaTarget {
  refId?: string;
  expr?: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  id?: number;
  type?: string;
  title?: string;
  gridPos?: { h: number; w: number; x: number; y: number };
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  panels?: GrafanaPanel[];
}

export interface GrafanaDashboard {
  uid?: string;
  title?: string;
  schemaVersion?: number;
  panels?: GrafanaPanel[];
  templating?: { list?: Array<{ name?: string; type?: string; query?: string }> };
}

export interface PrometheusRule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface PrometheusRuleFile {
  groups?: Array<{ name?: string; rules?: PrometheusRule[] }>;
}

const SEVERITIES = ['info', 'warning', 'critical'];
const DURATION = /^(\d+(ms|[smhdwy]))+$/;

/** Every query of the dashboard, with where it is (for messages). */
export function dashboardExprs(d: GrafanaDashboard): Array<{ where: string; expr: string }> {
  return (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]).flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}" ${t.refId}`, expr: t.expr ?? '' })));
}

/** Every rule's expression, with its alert name. */
export function ruleExprs(f: PrometheusRuleFile): Array<{ where: string; expr: string }> {
  return (f.groups ?? []).flatMap((g) => (g.rules ?? []).map((r) => ({ where: `rule ${r.alert ?? r.record}`, expr: r.expr ?? '' })));
}

/**
 * A dashboard Grafana imports: a uid, a title, a schema version, a Prometheus datasource variable every query uses,
 * and panels with unique ids, a place on the 24-column grid, and (except rows) queries.
 */
export function dashboardProblems(d: GrafanaDashboard): string[] {
  const problems: string[] = [];
  if (!d.uid || !/^[\w-]{1,40}$/.test(d.uid)) problems.push('dashboard: uid missing or not a Grafana uid');
  if (!d.title) problems.push('dashboard: no title');
  if (typeof d.schemaVersion !== 'number' || d.schemaVersion < 36) problems.push('dashboard: schemaVersion missing or older than 36');
  const dsVar = d.templating?.list?.find((v) => v.type === 'datasource' && v.query === 'prometheus');
  if (!dsVar) problems.push('dashboard: no Prometheus datasource variable');
  const ids = new Set<number>();
  for (const p of (d.panels ?? []).flatMap((x) => [x, ...(x.panels ?? [])])) {
    const name = `panel "${p.title ?? p.id}"`;
    if (typeof p.id !== 'number' || ids.has(p.id)) problems.push(`${name}: id missing or repeated`);
    else ids.add(p.id);
    if (!p.type || !p.title) problems.push(`${name}: no type or title`);
    const g = p.gridPos;
    if (!g || g.x < 0 || g.w < 1 || g.x + g.w > 24 || g.h < 1 || g.y < 0) problems.push(`${name}: gridPos missing or off the 24-column grid`);
    if (p.type === 'row') continue;
    if (!p.targets?.length) problems.push(`${name}: no queries`);
    for (const t of p.targets ?? []) {
      if (!t.expr?.trim()) problems.push(`${name} ${t.refId}: empty expr`);
      if (t.datasource?.uid !== `\${${dsVar?.name}}` || p.datasource?.uid !== `\${${dsVar?.name}}`) problems.push(`${name} ${t.refId}: not on the datasource variable`);
    }
  }
  if (ids.size === 0) problems.push('dashboard: no panels');
  return problems;
}

/** A rule file Prometheus loads: named groups of alerts, each with an expression, a duration, a severity and a summary. */
export function ruleFileProblems(f: PrometheusRuleFile): string[] {
  const problems: string[] = [];
  if (!f.groups?.length) return ['rules: no groups'];
  const names = new Set<string>();
  for (const g of f.groups) {
    if (!g.name) problems.push('rules: a group without a name');
    for (const r of g.rules ?? []) {
      const name = r.alert ?? r.record ?? '(unnamed)';
      if (!r.alert) problems.push(`${name}: not an alert`);
      else if (names.has(r.alert)) problems.push(`${name}: alert name repeated`);
      else names.add(r.alert);
      if (!r.expr?.trim()) problems.push(`${name}: no expr`);
      if (r.for !== undefined && !DURATION.test(r.for)) problems.push(`${name}: for "${r.for}" is not a duration`);
      if (!SEVERITIES.includes(r.labels?.severity ?? '')) problems.push(`${name}: severity must be one of ${SEVERITIES.join(', ')}`);
      if (!r.annotations?.summary) problems.push(`${name}: no summary annotation`);
    }
  }
  return problems;
}

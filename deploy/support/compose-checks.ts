import { APPS, ENV_CONTRACT, MIGRATE_COMMAND, ROUTES } from './contract';

export interface ComposeService {
  image?: string;
  build?: { context?: string; target?: string; args?: Record<string, string> };
  command?: string | string[];
  environment?: Record<string, string | number | boolean | null>;
  healthcheck?: { test?: string | string[] };
  depends_on?: Record<string, { condition?: string }> | string[];
  volumes?: Array<string | { type?: string; source?: string; target?: string }>;
  restart?: string;
  stop_grace_period?: string;
  read_only?: boolean;
  tmpfs?: string | string[];
}
export interface ComposeFile {
  services: Record<string, ComposeService>;
}

const INFRA = ['postgres', 'kafka', 'redis', 'livekit', 'livekit-sip'];
const text = (v: string | string[] | undefined): string => (Array.isArray(v) ? v.join(' ') : (v ?? ''));
/** Compose durations such as 60s, 10m, 1m30s, in seconds (compose's default stop grace is 10 s). */
export function durationSeconds(d: string | undefined): number {
  if (!d) return 10;
  const units: Record<string, number> = { h: 3600, m: 60, s: 1 };
  return [...d.matchAll(/(\d+)([hms])/g)].reduce((sum, [, n, u]) => sum + Number(n) * (units[u ?? 's'] ?? 1), 0);
}

const deps = (s: ComposeService): Record<string, { condition?: string }> =>
  Array.isArray(s.depends_on) ? Object.fromEntries(s.depends_on.map((d) => [d, {}])) : (s.depends_on ?? {});

/** The real stack: infrastructure, a one-shot migration before the apps, every app healthy on /healthz. */
export function composeProblems(c: ComposeFile): string[] {
  const problems: string[] = [];
  const svc = c.services ?? {};
  for (const name of [...INFRA, 'migrate', ...APPS.map((a) => a.name)]) if (!svc[name]) problems.push(`no service ${name}`);

  for (const name of INFRA) {
    if (svc[name] && !text(svc[name].healthcheck?.test)) problems.push(`${name}: no healthcheck`);
  }
  if (svc.postgres && !/^postgres:16/.test(svc.postgres.image ?? '')) problems.push('postgres: expected the postgres:16 image');
  if (svc.postgres && !text(svc.postgres.healthcheck?.test).includes('pg_isready')) problems.push('postgres: healthcheck must use pg_isready');

  const migrate = svc.migrate;
  if (migrate) {
    if (!text(migrate.command).includes(MIGRATE_COMMAND)) problems.push(`migrate: command must be "${MIGRATE_COMMAND}"`);
    if (!['no', undefined].includes(migrate.restart)) problems.push('migrate: a one-shot must not restart');
    if (deps(migrate).postgres?.condition !== 'service_healthy') problems.push('migrate: must wait for postgres to be healthy');
  }

  for (const { name, port, defaultDrainSeconds } of APPS) {
    const s = svc[name];
    if (!s) continue;
    const drain = Number(s.environment?.SHUTDOWN_GRACE_SECONDS ?? defaultDrainSeconds);
    const stop = durationSeconds(s.stop_grace_period);
    if (stop <= drain) problems.push(`${name}: stop_grace_period ${stop} s does not cover its ${drain} s drain`);
    if (s.build?.args?.APP !== name) problems.push(`${name}: build arg APP is ${s.build?.args?.APP}`);
    const env = s.environment ?? {};
    if (String(env.PORT) !== String(port)) problems.push(`${name}: PORT is ${env.PORT}, expected ${port}`);
    for (const v of ENV_CONTRACT) if (!(v in env)) problems.push(`${name}: environment lacks ${v}`);
    if (!text(s.healthcheck?.test).includes(`:${port}/healthz`)) problems.push(`${name}: healthcheck must GET :${port}/healthz`);
    const d = deps(s);
    if (d.migrate?.condition !== 'service_completed_successfully') problems.push(`${name}: must start after migrate completes successfully`);
    for (const infra of ['postgres', 'kafka']) if (d[infra]?.condition !== 'service_healthy') problems.push(`${name}: must wait for ${infra} to be healthy`);
  }

  // Any service_healthy dependency must have a healthcheck to become healthy at all.
  for (const [name, s] of Object.entries(svc)) {
    for (const [dep, { condition }] of Object.entries(deps(s))) {
      if (!svc[dep]) problems.push(`${name}: depends on unknown service ${dep}`);
      else if (!condition) problems.push(`${name}: depends_on ${dep} without a condition`);
      else if (condition === 'service_healthy' && !text(svc[dep].healthcheck?.test)) problems.push(`${name}: waits for ${dep} to be healthy but it has no healthcheck`);
    }
  }
  return problems;
}

/** Single-node Kafka in KRaft mode: broker and controller in one process, no ZooKeeper. */
export function kafkaKraftProblems(c: ComposeFile): string[] {
  const k = c.services?.kafka;
  if (!k) return ['no kafka service'];
  const env = k.environment ?? {};
  const problems: string[] = [];
  if (!/^apache\/kafka:/.test(k.image ?? '')) problems.push('kafka: expected the apache/kafka image');
  const roles = String(env.KAFKA_PROCESS_ROLES ?? '').split(',').map((r) => r.trim());
  if (!roles.includes('broker') || !roles.includes('controller')) problems.push('kafka: KAFKA_PROCESS_ROLES must be broker,controller');
  for (const v of ['KAFKA_NODE_ID', 'KAFKA_CONTROLLER_QUORUM_VOTERS', 'KAFKA_CONTROLLER_LISTENER_NAMES', 'KAFKA_LISTENERS', 'KAFKA_ADVERTISED_LISTENERS', 'CLUSTER_ID']) {
    if (env[v] == null || env[v] === '') problems.push(`kafka: ${v} not set`);
  }
  if (Object.keys(env).some((v) => v.includes('ZOOKEEPER'))) problems.push('kafka: ZooKeeper settings in KRaft mode');
  if (!/^[A-Za-z0-9_-]{22}$/.test(String(env.CLUSTER_ID ?? ''))) problems.push('kafka: CLUSTER_ID must be a base64url 16-byte UUID');
  const brokers = String(c.services[APPS[0]?.name ?? '']?.environment?.KAFKA_BROKERS ?? '');
  if (!String(env.KAFKA_ADVERTISED_LISTENERS ?? '').includes(brokers)) problems.push(`kafka: apps use ${brokers}, not an advertised listener`);
  return problems;
}

/** Host paths a service bind-mounts (./... sources). */
export function bindMounts(s: ComposeService | undefined): Array<{ source: string; target: string }> {
  return (s?.volumes ?? []).flatMap((v) => {
    if (typeof v === 'string') {
      const [source = '', target = ''] = v.split(':');
      return source.startsWith('.') || source.startsWith('/') ? [{ source, target }] : [];
    }
    return v.type === 'bind' && v.source ? [{ source: v.source, target: v.target ?? '' }] : [];
  });
}

/** The edge proxy routes exactly the Ingress prefixes (and exact paths), each to its owner's port, most specific first. */
export function edgeRoutingProblems(nginxConf: string): string[] {
  const prefixRe = /location ~ \^(\S+?)\(\/\|\$\) \{ set \$upstream http:\/\/([\w-]+):(\d+);/g;
  const exactRe = /location = (\S+) \{ set \$upstream http:\/\/([\w-]+):(\d+);/g;
  const found = [...nginxConf.matchAll(prefixRe)].map((m) => ({ prefix: m[1], service: m[2], port: Number(m[3]), exact: false }));
  const exact = [...nginxConf.matchAll(exactRe)].map((m) => ({ prefix: m[1], service: m[2], port: Number(m[3]), exact: true }));
  const problems: string[] = [];
  for (const { prefix, service, exact: isExact = false } of ROUTES) {
    const hit = [...found, ...exact].find((f) => f.prefix === prefix);
    const port = APPS.find((a) => a.name === service)?.port;
    if (!hit) problems.push(`edge: no route for ${prefix}`);
    else if (hit.exact !== isExact) problems.push(`edge: ${prefix} must be ${isExact ? 'an exact location (=)' : 'a prefix location (~ ^…(/|$))'}`);
    else if (hit.service !== service || hit.port !== port) problems.push(`edge: ${prefix} goes to ${hit.service}:${hit.port}, expected ${service}:${port}`);
  }
  // Regex locations match in order: a prefix must come before any shorter prefix of it.
  found.forEach((f, i) => {
    const shadow = found.slice(0, i).find((earlier) => f.prefix?.startsWith(`${earlier.prefix}/`));
    if (shadow) problems.push(`edge: ${f.prefix} is shadowed by the earlier ${shadow.prefix}`);
  });
  return problems;
}

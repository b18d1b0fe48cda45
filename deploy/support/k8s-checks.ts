import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IHTTPGetAction } from 'kubernetes-models/v1/HTTPGetAction';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IService } from 'kubernetes-models/v1/Service';
import {
  APPS,
  CONFIGMAP_NAME,
  ENV_CONTRACT,
  IMAGE_NAME,
  MIGRATE_COMMAND,
  NOT_DEPLOYED,
  PER_WORKLOAD_ENV,
  ROUTES,
  SECRET_ENV,
  SECRET_NAME,
  UNSET_BY_DEFAULT_ENV,
} from './contract';
import type { K8sDoc } from './load';

const named = <T>(docs: K8sDoc[], kind: string, name: string): T | undefined =>
  docs.find((d) => d.kind === kind && d.metadata?.name === name) as T | undefined;
const ofKind = <T>(docs: K8sDoc[], kind: string): T[] => docs.filter((d) => d.kind === kind) as unknown as T[];

const commandLine = (c: IContainer): string => [...(c.command ?? []), ...(c.args ?? [])].join(' ');

/** A port reference (number or container port name) as the number it designates, if any. */
function resolvePort(container: IContainer, port: number | string | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return container.ports?.find((p) => p.name === port)?.containerPort;
}

function envFromNames(container: IContainer): { configMaps: string[]; secrets: string[] } {
  const from = container.envFrom ?? [];
  return {
    configMaps: from.flatMap((f) => (f.configMapRef?.name ? [f.configMapRef.name] : [])),
    secrets: from.flatMap((f) => (f.secretRef?.name ? [f.secretRef.name] : [])),
  };
}

function probeProblems(app: string, container: IContainer, port: number): string[] {
  const probes: Array<[string, IHTTPGetAction | undefined, string]> = [
    ['readinessProbe', container.readinessProbe?.httpGet, '/readyz'],
    ['livenessProbe', container.livenessProbe?.httpGet, '/healthz'],
  ];
  return probes.flatMap(([probe, get, path]) => {
    if (!get) return [`${app}: ${probe} must be an httpGet on ${path}`];
    const out: string[] = [];
    if (get.path !== path) out.push(`${app}: ${probe} path is ${get.path}, expected ${path}`);
    if (resolvePort(container, get.port) !== port) out.push(`${app}: ${probe} port ${get.port} is not the container port ${port}`);
    return out;
  });
}

/** A Deployment and a Service per app, wired to the app's port, probes, env and shutdown behaviour. */
export function appWorkloadProblems(docs: K8sDoc[]): string[] {
  const problems: string[] = [];
  for (const { name, port, minGraceSeconds, defaultDrainSeconds } of APPS) {
    const deployment = named<IDeployment>(docs, 'Deployment', name);
    const service = named<IService>(docs, 'Service', name);
    if (!deployment) problems.push(`${name}: no Deployment`);
    if (!service) problems.push(`${name}: no Service`);
    if (!deployment) continue;
    const pod = deployment.spec?.template.spec;
    const container = pod?.containers[0];
    if (!pod || !container) {
      problems.push(`${name}: Deployment has no container`);
      continue;
    }
    if (container.image !== IMAGE_NAME) problems.push(`${name}: image ${container.image}, expected the kustomize-managed "${IMAGE_NAME}"`);
    if (!commandLine(container).includes(`dist/apps/${name}/main.js`)) problems.push(`${name}: does not run dist/apps/${name}/main.js`);
    const http = container.ports?.find((p) => p.containerPort === port);
    if (!http) problems.push(`${name}: no container port ${port}`);
    const portEnv = container.env?.find((e) => e.name === 'PORT')?.value;
    if (portEnv !== String(port)) problems.push(`${name}: PORT env is ${portEnv}, expected ${port}`);
    problems.push(...probeProblems(name, container, port));
    const { configMaps, secrets } = envFromNames(container);
    if (!configMaps.includes(CONFIGMAP_NAME)) problems.push(`${name}: envFrom lacks ConfigMap ${CONFIGMAP_NAME}`);
    if (!secrets.includes(SECRET_NAME)) problems.push(`${name}: envFrom lacks Secret ${SECRET_NAME}`);
    const res = container.resources;
    for (const k of ['cpu', 'memory']) {
      if (!res?.requests?.[k]) problems.push(`${name}: no ${k} request`);
      if (!res?.limits?.[k]) problems.push(`${name}: no ${k} limit`);
    }
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    if (grace < minGraceSeconds) problems.push(`${name}: terminationGracePeriodSeconds ${grace} < ${minGraceSeconds}`);
    if (!container.lifecycle?.preStop) problems.push(`${name}: no preStop hook`);
    // The kubelet kills at the grace period, counted from the start of preStop: the app's drain must fit.
    const preStop = Number(container.lifecycle?.preStop?.exec?.command?.find((arg) => /^\d+$/.test(arg)) ?? 0);
    const drain = Number(container.env?.find((e) => e.name === 'SHUTDOWN_GRACE_SECONDS')?.value ?? defaultDrainSeconds);
    if (preStop + drain >= grace) problems.push(`${name}: preStop ${preStop} s + SHUTDOWN_GRACE_SECONDS ${drain} s do not fit in ${grace} s of grace`);
    if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name}: pod does not set runAsNonRoot`);

    if (service) {
      const selector = service.spec?.selector ?? {};
      const labels = deployment.spec?.template.metadata?.labels ?? {};
      if (!Object.keys(selector).length || Object.entries(selector).some(([k, v]) => labels[k] !== v)) {
        problems.push(`${name}: Service selector does not match the Deployment's pods`);
      }
      const targets = (service.spec?.ports ?? []).map((p) => resolvePort(container, p.targetPort ?? p.port));
      if (!targets.includes(port)) problems.push(`${name}: Service does not target container port ${port}`);
    }
  }
  for (const name of NOT_DEPLOYED) {
    if (named(docs, 'Deployment', name)) problems.push(`${name}: must not be deployed`);
  }
  return problems;
}

/**
 * Every contract variable reaches every app: PORT from the Deployment, secrets from the Secret, the rest
 * from the ConfigMap; carrier API bases are left unset (real APIs) but documented in the ConfigMap.
 */
export function envCoverageProblems(docs: K8sDoc[], secretTemplate: K8sDoc[], configMapText: string): string[] {
  const problems: string[] = [];
  const configMap = named<IConfigMap>(docs, 'ConfigMap', CONFIGMAP_NAME);
  const secret = named<ISecret>(secretTemplate, 'Secret', SECRET_NAME);
  if (!configMap) problems.push(`no ConfigMap ${CONFIGMAP_NAME}`);
  if (!secret) problems.push(`no Secret template ${SECRET_NAME}`);
  const configKeys = Object.keys(configMap?.data ?? {});
  const secretData = { ...(secret?.stringData ?? {}), ...(secret?.data ?? {}) };
  const secretKeys = Object.keys(secretData);
  for (const name of ENV_CONTRACT) {
    if (PER_WORKLOAD_ENV.includes(name)) continue;
    const inConfig = configKeys.includes(name);
    const inSecret = secretKeys.includes(name);
    if (UNSET_BY_DEFAULT_ENV.includes(name)) {
      if (inConfig || inSecret) problems.push(`${name}: must stay unset by default (the carriers' real APIs)`);
      if (!configMapText.includes(name)) problems.push(`${name}: not documented in the ConfigMap`);
    } else if (SECRET_ENV.includes(name)) {
      if (!inSecret) problems.push(`${name}: not in Secret ${SECRET_NAME}`);
      if (inConfig) problems.push(`${name}: a secret must not be in the ConfigMap`);
    } else if (!inConfig) {
      problems.push(`${name}: not in ConfigMap ${CONFIGMAP_NAME}`);
    }
  }
  for (const [key, value] of Object.entries(secretData)) {
    if (!String(value).includes('CHANGE_ME')) problems.push(`Secret template ${key}: must be a CHANGE_ME placeholder`);
  }
  return problems;
}

/** The Ingress routes each API.md prefix to its owner, through a Service port that exists. */
export function ingressProblems(docs: K8sDoc[]): string[] {
  const ingresses = ofKind<IIngress>(docs, 'Ingress');
  if (!ingresses.length) return ['no Ingress'];
  const paths = ingresses.flatMap((ing) => (ing.spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []));
  const problems: string[] = [];
  for (const { prefix, service, exact } of ROUTES) {
    const hit = paths.filter((p) => p.path === prefix);
    if (hit.length !== 1) problems.push(`${prefix}: ${hit.length} Ingress paths, expected 1`);
    const p = hit[0];
    if (!p) continue;
    const pathType = exact ? 'Exact' : 'Prefix';
    if (p.pathType !== pathType) problems.push(`${prefix}: pathType ${p.pathType}, expected ${pathType}`);
    if (p.backend.service?.name !== service) problems.push(`${prefix}: routed to ${p.backend.service?.name}, expected ${service}`);
  }
  for (const p of paths) {
    const backend = p.backend.service;
    const svc = backend && named<IService>(docs, 'Service', backend.name);
    if (!svc) {
      problems.push(`${p.path}: backend Service ${backend?.name} does not exist`);
      continue;
    }
    const ports = svc.spec?.ports ?? [];
    const ok = ports.some((sp) => (backend.port?.name ? sp.name === backend.port.name : sp.port === backend.port?.number));
    if (!ok) problems.push(`${p.path}: Service ${backend.name} has no port ${backend.port?.name ?? backend.port?.number}`);
  }
  return problems;
}

/** The PUBLIC_BASE_URL of the ConfigMap is the host the Ingress serves. */
export function publicUrlProblems(docs: K8sDoc[]): string[] {
  const url = named<IConfigMap>(docs, 'ConfigMap', CONFIGMAP_NAME)?.data?.PUBLIC_BASE_URL;
  const hosts = ofKind<IIngress>(docs, 'Ingress').flatMap((i) => (i.spec?.rules ?? []).map((r) => r.host));
  if (!url) return ['PUBLIC_BASE_URL missing'];
  return hosts.includes(new URL(url).host) ? [] : [`PUBLIC_BASE_URL ${url} is not an Ingress host (${hosts.join(', ')})`];
}

/** A Job that runs the migrate command from the same image, with the database URL from the Secret. */
export function migrationJobProblems(docs: K8sDoc[]): string[] {
  const jobs = ofKind<IJob>(docs, 'Job');
  if (jobs.length !== 1) return [`${jobs.length} Jobs, expected one migration Job`];
  const job = jobs[0] as IJob;
  const pod = job.spec?.template.spec;
  const container = pod?.containers[0];
  if (!pod || !container) return ['migration Job has no container'];
  const problems: string[] = [];
  if (!commandLine(container).includes(MIGRATE_COMMAND)) problems.push(`migration Job runs "${commandLine(container)}", expected "${MIGRATE_COMMAND}"`);
  if (container.image !== IMAGE_NAME) problems.push(`migration Job image ${container.image}, expected ${IMAGE_NAME}`);
  if (!['Never', 'OnFailure'].includes(pod.restartPolicy ?? '')) problems.push('migration Job needs restartPolicy Never or OnFailure');
  if (!envFromNames(container).secrets.includes(SECRET_NAME)) problems.push(`migration Job does not read Secret ${SECRET_NAME}`);
  if (job.metadata?.labels?.['callplane.io/rollout-phase'] !== 'migrate') problems.push('migration Job lacks the rollout-phase label the README selects it by');
  return problems;
}

export interface Kustomization {
  namespace?: string;
  resources?: string[];
  images?: Array<{ name: string; newName?: string; newTag?: string }>;
}

/** kustomization.yaml lists every manifest in the folder (except the Secret template) and pins the image. */
export function kustomizationProblems(k: Kustomization, files: string[], isBase: (dir: string) => boolean = () => false): string[] {
  const expected = files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort();
  const listed = [...(k.resources ?? [])].sort();
  const problems: string[] = [];
  for (const f of expected) if (!listed.includes(f)) problems.push(`kustomization.yaml does not list ${f}`);
  // A folder with a kustomization of its own (deploy/observability's ConfigMaps) is a resource too.
  for (const f of listed) if (!files.includes(f) && !isBase(f)) problems.push(`kustomization.yaml lists missing ${f}`);
  if (listed.includes('secret.example.yaml')) problems.push('kustomization.yaml must not apply the Secret template');
  if (k.namespace !== 'callplane') problems.push('kustomization.yaml sets no namespace');
  if (!k.images?.some((i) => i.name === IMAGE_NAME)) problems.push(`kustomization.yaml does not pin image ${IMAGE_NAME}`);
  return problems;
}

import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IContainer } from 'kubernetes-models/v1/Container';
import type { IService } from 'kubernetes-models/v1/Service';
import type { ComposeFile } from './compose-checks';
import { ROUTES, SECRET_NAME, STUDIO } from './contract';
import type { ParsedDockerfile, Stage } from './dockerfile-checks';
import type { K8sDoc } from './load';

/** The studio's static deployment: the Dockerfile target, the nginx site, the compose service, the Kubernetes workload and routes. */

const named = <T>(docs: K8sDoc[], kind: string, name: string): T | undefined => docs.find((d) => d.kind === kind && d.metadata?.name === name) as T | undefined;
const portOf = (c: IContainer, port: number | string | undefined): number | undefined => (typeof port === 'number' ? port : c.ports?.find((p) => p.name === port)?.containerPort);

/** The first path segments of every API route (`voice`, `admin`, `openapi.json`, …): none of them may ever get the app. */
export const apiSegments = (): string[] => [...new Set(ROUTES.map((r) => r.prefix.split('/')[1] ?? ''))].filter(Boolean);

/**
 * The `studio` target: built from the studio's sources by its build script (and the modules it imports) in a stage of its own, served by the
 * pinned nginx-unprivileged image as a numeric non-root user with the repo's site config; declared before the
 * services' runtime stage, so a build without --target still makes the services' image.
 */
export function studioDockerfileProblems(d: ParsedDockerfile, buildScriptSource: string): string[] {
  const problems: string[] = [];
  const studio = d.stages.find((s) => s.name === STUDIO.name);
  if (!studio) return [`no stage ${STUDIO.name} (docker build --target ${STUDIO.name})`];
  if (d.stages.at(-1) === studio || d.stages.at(-1)?.name !== 'runtime') problems.push('the runtime stage must stay last: a build without --target makes the services\' image');
  if (!studio.from.startsWith(`${STUDIO.serverImage}:`)) problems.push(`${STUDIO.name} stage is FROM ${studio.from}, expected ${STUDIO.serverImage}`);
  const copies = studio.instructions.filter((i) => i.op === 'COPY').map((i) => i.args);
  if (!copies.some((c) => c === `${STUDIO.nginxConf} ${STUDIO.confInImage}`)) problems.push(`${STUDIO.name} stage must COPY ${STUDIO.nginxConf} to ${STUDIO.confInImage}`);
  const fromBuild = /^--from=(\S+) \/app\/dist\/apps\/studio (\S+)$/.exec(copies.find((c) => c.startsWith('--from=')) ?? '');
  if (fromBuild?.[2] !== STUDIO.htmlInImage) problems.push(`${STUDIO.name} stage must COPY the built dist/apps/studio to ${STUDIO.htmlInImage}`);
  const build: Stage | undefined = d.stages.find((s) => s.name === fromBuild?.[1]);
  if (fromBuild && !build?.instructions.some((i) => i.op === 'RUN' && i.args.includes(`node ${STUDIO.buildScript}`))) problems.push(`stage ${fromBuild[1]} must RUN node ${STUDIO.buildScript}`);
  // The build script's own modules (`./studio-initial-js.mjs`) must be in the stage too.
  const scriptDir = STUDIO.buildScript.slice(0, STUDIO.buildScript.lastIndexOf('/') + 1);
  const localImports = [...buildScriptSource.matchAll(/from '\.\/([\w.-]+)'/g)].map((m) => `${scriptDir}${m[1]}`);
  for (const needed of [STUDIO.buildScript, ...localImports, 'apps/studio']) {
    if (build && !build.instructions.some((i) => i.op === 'COPY' && i.args.split(' ').includes(needed))) problems.push(`stage ${build.name} does not COPY ${needed}`);
  }
  const user = studio.instructions.filter((i) => i.op === 'USER').at(-1)?.args;
  if (user !== `${STUDIO.uid}:${STUDIO.uid}`) problems.push(`${STUDIO.name} stage must end as USER ${STUDIO.uid}:${STUDIO.uid} (numeric, non-root), not ${user ?? 'unset'}`);
  if (!studio.instructions.some((i) => i.op === 'EXPOSE' && i.args.split(' ').includes(String(STUDIO.port)))) problems.push(`${STUDIO.name} stage must EXPOSE ${STUDIO.port}`);
  return problems;
}

/** Locations of the site, with the text of each block (one level of braces is all the config uses). */
const locations = (conf: string): Array<{ match: string; body: string }> => [...conf.matchAll(/location\s+([^{]+?)\s*\{([^}]*)\}/g)].map((m) => ({ match: m[1]!.trim(), body: m[2]! }));

/**
 * The site config: the port and folder the image serves, index.html for the app's deep links, a 404 (never the app)
 * for a missing hashed asset and for any API path, long caching for hashed assets only, and the security headers.
 */
export function studioNginxProblems(conf: string): string[] {
  const problems: string[] = [];
  if (!new RegExp(`^\\s*listen ${STUDIO.port};`, 'm').test(conf)) problems.push(`nginx: must listen on ${STUDIO.port} (nginx-unprivileged cannot bind below 1024)`);
  if (!new RegExp(`^\\s*root ${STUDIO.htmlInImage};`, 'm').test(conf)) problems.push(`nginx: root must be ${STUDIO.htmlInImage}, where the image has the build`);
  const locs = locations(conf);
  const root = locs.find((l) => l.match === '/');
  if (!root || !/try_files \$uri \/index\.html;/.test(root.body)) problems.push('nginx: location / must fall back to /index.html (the app routes deep links)');
  const assets = locs.find((l) => l.match === '/assets/');
  if (!assets || !/try_files \$uri =404;/.test(assets.body)) problems.push('nginx: a missing /assets/ file must be a 404, not index.html');
  const health = locs.find((l) => l.match === `= ${STUDIO.healthPath}`);
  if (!health || !/return 200/.test(health.body)) problems.push(`nginx: no ${STUDIO.healthPath} answering 200 for the probes`);
  const api = locs.find((l) => l.match.startsWith('~') && /return 404 '\{"error":\{"code":"not_found"/.test(l.body));
  const apiRe = api ? new RegExp(api.match.replace(/^~\s*/, '')) : null;
  for (const seg of apiSegments()) {
    if (!apiRe?.test(`/${seg}`) || !(seg.includes('.') || apiRe.test(`/${seg}/x`))) problems.push(`nginx: /${seg} must answer the API's JSON 404, never the app`);
  }
  if (apiRe?.test('/agents') || apiRe?.test('/assets/x.js')) problems.push('nginx: the JSON 404 catches the app\'s own paths');
  const cache = /map \$uri \$(\w+) \{([^}]*)\}/.exec(conf);
  if (!cache || !/~\^\/assets\/\s+"public, max-age=31536000, immutable";/.test(cache[2]!) || !/default\s+"no-cache";/.test(cache[2]!)) {
    problems.push('nginx: Cache-Control must be immutable for /assets/ and no-cache for everything else (index.html)');
  } else if (!new RegExp(`add_header Cache-Control \\$${cache[1]};`).test(conf)) problems.push('nginx: the Cache-Control map is not sent (and must not be `always`: a 404 is not cacheable)');
  const header = (name: string) => new RegExp(`^\\s*add_header ${name} ("[^"]*"|\\S+) always;`, 'm').exec(conf)?.[1];
  const csp = header('Content-Security-Policy') ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self'", "object-src 'none'", "frame-ancestors 'none'", "base-uri 'none'"]) {
    if (!csp.includes(directive)) problems.push(`nginx: Content-Security-Policy lacks ${directive}`);
  }
  if (header('X-Content-Type-Options') !== 'nosniff') problems.push('nginx: X-Content-Type-Options nosniff (always)');
  if (!header('Referrer-Policy')) problems.push('nginx: no Referrer-Policy (always)');
  if (/add_header/.test(locs.map((l) => l.body).join('\n'))) problems.push('nginx: add_header inside a location drops every server-level header there');
  return problems;
}

/** The compose service: built from the studio target, healthy on its probe, read-only, no secrets; the edge waits for it. */
export function studioComposeProblems(c: ComposeFile): string[] {
  const s = c.services[STUDIO.name];
  if (!s) return [`no service ${STUDIO.name}`];
  const problems: string[] = [];
  if (s.build?.target !== STUDIO.name) problems.push(`${STUDIO.name}: build target is ${s.build?.target}, expected ${STUDIO.name}`);
  const test = [s.healthcheck?.test ?? ''].flat().join(' ');
  if (!test.includes(`:${STUDIO.port}${STUDIO.healthPath}`)) problems.push(`${STUDIO.name}: healthcheck must GET :${STUDIO.port}${STUDIO.healthPath}`);
  if (s.read_only !== true) problems.push(`${STUDIO.name}: read_only must be true`);
  if (![s.tmpfs ?? []].flat().includes('/tmp')) problems.push(`${STUDIO.name}: needs a tmpfs on /tmp (nginx's pid and temp files)`);
  if (Object.keys(s.environment ?? {}).length) problems.push(`${STUDIO.name}: takes no environment (it holds no secret)`);
  const edgeDeps = c.services.edge?.depends_on;
  const cond = edgeDeps && !Array.isArray(edgeDeps) ? edgeDeps[STUDIO.name]?.condition : undefined;
  if (cond !== 'service_healthy') problems.push(`edge: must wait for ${STUDIO.name} to be healthy`);
  return problems;
}

/** The Deployment and Service: its own pinned image, probes on its port, resources, non-root and read-only, no secrets. */
export function studioWorkloadProblems(docs: K8sDoc[]): string[] {
  const { name, port } = STUDIO;
  const deployment = named<IDeployment>(docs, 'Deployment', name);
  const service = named<IService>(docs, 'Service', name);
  const problems: string[] = [];
  if (!service) problems.push(`${name}: no Service`);
  const pod = deployment?.spec?.template.spec;
  const c = pod?.containers[0];
  if (!pod || !c) return [...problems, `${name}: no Deployment with a container`];
  if (c.image !== STUDIO.image) problems.push(`${name}: image ${c.image}, expected the kustomize-managed "${STUDIO.image}"`);
  if (!c.ports?.some((p) => p.containerPort === port)) problems.push(`${name}: no container port ${port}`);
  for (const [probe, get] of [['readinessProbe', c.readinessProbe?.httpGet], ['livenessProbe', c.livenessProbe?.httpGet]] as const) {
    if (!get) problems.push(`${name}: ${probe} must be an httpGet`);
    else if (portOf(c, get.port) !== port) problems.push(`${name}: ${probe} port ${get.port} is not the container port ${port}`);
  }
  if (c.livenessProbe?.httpGet?.path !== STUDIO.healthPath) problems.push(`${name}: livenessProbe path is ${c.livenessProbe?.httpGet?.path}, expected ${STUDIO.healthPath}`);
  for (const k of ['cpu', 'memory']) {
    if (!c.resources?.requests?.[k]) problems.push(`${name}: no ${k} request`);
    if (!c.resources?.limits?.[k]) problems.push(`${name}: no ${k} limit`);
  }
  if (pod.securityContext?.runAsNonRoot !== true) problems.push(`${name}: pod does not set runAsNonRoot`);
  if (pod.securityContext?.runAsUser !== STUDIO.uid) problems.push(`${name}: runAsUser ${pod.securityContext?.runAsUser}, expected the image's nginx user ${STUDIO.uid}`);
  const sc = c.securityContext;
  if (sc?.readOnlyRootFilesystem !== true || sc.allowPrivilegeEscalation !== false || !sc.capabilities?.drop?.includes('ALL')) {
    problems.push(`${name}: container must be read-only, without privilege escalation, all capabilities dropped`);
  }
  const tmp = c.volumeMounts?.find((m) => m.mountPath === '/tmp');
  if (!tmp || !pod.volumes?.some((v) => v.name === tmp.name && v.emptyDir)) problems.push(`${name}: /tmp must be an emptyDir (nginx's pid and temp files on a read-only root)`);
  if ((c.envFrom ?? []).some((f) => f.secretRef?.name === SECRET_NAME) || (c.env ?? []).some((e) => e.valueFrom?.secretKeyRef)) problems.push(`${name}: must not read a Secret`);
  if (!c.lifecycle?.preStop) problems.push(`${name}: no preStop hook`);
  if (service) {
    const selector = service.spec?.selector ?? {};
    const labels = deployment?.spec?.template.metadata?.labels ?? {};
    if (!Object.keys(selector).length || Object.entries(selector).some(([k, v]) => labels[k] !== v)) problems.push(`${name}: Service selector does not match the Deployment's pods`);
    if (!(service.spec?.ports ?? []).some((p) => portOf(c, p.targetPort ?? p.port) === port)) problems.push(`${name}: Service does not target container port ${port}`);
  }
  return problems;
}

/** `/` goes to the studio, in the Ingress (Prefix: the shortest, so every API prefix wins over it) and at the edge. */
export function studioRoutingProblems(docs: K8sDoc[], edgeConf: string): string[] {
  const problems: string[] = [];
  const paths = docs.filter((d) => d.kind === 'Ingress').flatMap((i) => ((i as unknown as IIngress).spec?.rules ?? []).flatMap((r) => r.http?.paths ?? []));
  const root = paths.filter((p) => p.path === '/');
  if (root.length !== 1) problems.push(`ingress: ${root.length} paths for /, expected 1`);
  else if (root[0]!.pathType !== 'Prefix' || root[0]!.backend.service?.name !== STUDIO.name) problems.push(`ingress: / must be a Prefix to ${STUDIO.name}`);
  const edgeRoot = /location \/ \{ set \$upstream http:\/\/([\w-]+):(\d+); proxy_pass \$upstream; \}/.exec(edgeConf);
  if (edgeRoot?.[1] !== STUDIO.name || Number(edgeRoot[2]) !== STUDIO.port) problems.push(`edge: location / must proxy to ${STUDIO.name}:${STUDIO.port}`);
  return problems;
}

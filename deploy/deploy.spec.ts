import { spawnSync } from 'node:child_process';
import path from 'node:path';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import type { ISecret } from 'kubernetes-models/v1/Secret';
import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import { Pod } from 'kubernetes-models/v1';
import { parse } from 'yaml';
import { cliPodProblems, composeCliProblems, kubectlRunPod } from './support/cli-checks';
import { unpinnedImages, unpinnedReason } from './support/image-checks';
import { bindMounts, composeProblems, edgeRoutingProblems, kafkaKraftProblems, type ComposeFile } from './support/compose-checks';
import { APPS, ENV_CONTRACT, ROUTES, SECRET_ENV, STUDIO } from './support/contract';
import { dockerfileProblems, parseDockerfile } from './support/dockerfile-checks';
import {
  appWorkloadProblems,
  envCoverageProblems,
  ingressProblems,
  kustomizationProblems,
  migrationJobProblems,
  publicUrlProblems,
  type Kustomization,
} from './support/k8s-checks';
import { schemaProblems } from './support/k8s-schema';
import { studioComposeProblems, studioDockerfileProblems, studioNginxProblems, studioRoutingProblems, studioWorkloadProblems } from './support/studio-checks';
import { liveKitProblems, parseEnvFile, type LiveKitConfig, type SipConfig } from './support/livekit-checks';
import { exists, isKustomizeBase, K8S_DIR, k8sManifestFiles, loadK8sDocs, parseCompose, parseYamlDocs, readText, type K8sDoc } from './support/load';


const docs = loadK8sDocs();
const secretTemplate = parseYamlDocs(readText('deploy/k8s/secret.example.yaml'), 'secret.example.yaml') as K8sDoc[];
const configMapText = readText('deploy/k8s/configmap.yaml');
const kustomization = parse(readText('deploy/k8s/kustomization.yaml')) as Kustomization;
const compose = parseCompose(readText('docker-compose.yml')) as ComposeFile;
const envExample = readText('.env.example');
const liveKit = parse(readText('deploy/livekit/livekit.yaml')) as LiveKitConfig;
const sip = parse(readText('deploy/livekit/sip.yaml')) as SipConfig;
const nginxConf = readText('deploy/edge/nginx.conf');
const dockerfile = parseDockerfile(readText('Dockerfile'));

/** A deep copy of the manifests with one object changed, to prove a check notices. */
function mutated<T>(kind: string, name: string, change: (doc: T) => void, from: K8sDoc[] = docs): K8sDoc[] {
  const copy = structuredClone(from);
  const doc = copy.find((d) => d.kind === kind && d.metadata.name === name);
  if (!doc) throw new Error(`fixture has no ${kind}/${name}`);
  change(doc as unknown as T);
  return copy;
}
/** The first container of a workload; the fixtures are known to have one. */
function container(d: IDeployment | IJob) {
  const c = d.spec?.template.spec?.containers[0];
  if (!c) throw new Error('fixture has no container');
  return c;
}
const probe = (p: { httpGet?: { path?: string; port: number | string } } | undefined) => {
  if (!p?.httpGet) throw new Error('fixture probe is not httpGet');
  return p.httpGet;
};

describe('Kubernetes manifests (deploy/k8s)', () => {
  it('validates every object, the Secret template included, against the Kubernetes schema of its kind', () => {
    const all = loadK8sDocs({ includeSecretTemplate: true });
    expect(all.length).toBeGreaterThan(10);
    expect(schemaProblems(all)).toEqual([]);
  });

  it('has a Deployment and a Service per app: image, command, port, probes, env, resources, graceful stop', () => {
    expect(appWorkloadProblems(docs)).toEqual([]);
  });

  it('provides every contract variable through the ConfigMap, the Secret or the Deployment', () => {
    expect(envCoverageProblems(docs, secretTemplate, configMapText)).toEqual([]);
  });

  it('routes every API.md prefix through the Ingress to an existing Service port, on the PUBLIC_BASE_URL host', () => {
    expect(ingressProblems(docs)).toEqual([]);
    expect(publicUrlProblems(docs)).toEqual([]);
  });

  it('runs the migrate command in a Job', () => {
    expect(migrationJobProblems(docs)).toEqual([]);
  });

  it('lists every manifest in kustomization.yaml, and not the Secret template', () => {
    expect(kustomizationProblems(kustomization, k8sManifestFiles(), isKustomizeBase)).toEqual([]);
  });

  it('gives voice-agent the longest grace period and never deploys the all-in-one', () => {
    const grace = (name: string) =>
      (docs.find((d) => d.kind === 'Deployment' && d.metadata.name === name) as IDeployment | undefined)?.spec?.template.spec?.terminationGracePeriodSeconds ?? 30;
    expect(grace('voice-agent')).toBeGreaterThanOrEqual(600);
    for (const { name } of APPS.filter((a) => a.name !== 'voice-agent')) expect(grace(name)).toBeLessThan(grace('voice-agent'));
    expect(docs.filter((d) => d.metadata.name === 'all-in-one')).toEqual([]);
  });

  const kubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
  (kubectl ? it : it.skip)('renders with kubectl kustomize: namespaced, the services’ pinned image everywhere and the studio’s for the studio', () => {
    const out = spawnSync('kubectl', ['kustomize', K8S_DIR], { encoding: 'utf8' });
    expect(out.stderr).toBe('');
    const rendered = parseYamlDocs(out.stdout, 'kustomize output') as K8sDoc[];
    expect(rendered.filter((d) => d.kind === 'Deployment').map((d) => d.metadata.name).sort()).toEqual([...APPS.map((a) => a.name), STUDIO.name].sort());
    expect(rendered.filter((d) => d.kind !== 'Namespace').every((d) => d.metadata.namespace === 'callplane')).toBe(true);
    const images = new Set(out.stdout.match(/image: \S+/g));
    const pinned = (name: string) => kustomization.images?.find((i) => i.name === name);
    expect([...images].sort()).toEqual([pinned('callplane'), pinned(STUDIO.image)].map((p) => `image: ${p?.newName}:${p?.newTag}`).sort());
    // The studio's image, every other Deployment the services' one.
    const studio = rendered.find((d) => d.kind === 'Deployment' && d.metadata.name === STUDIO.name) as unknown as IDeployment;
    expect(studio.spec?.template.spec?.containers[0]?.image).toBe(`${pinned(STUDIO.image)?.newName}:${pinned(STUDIO.image)?.newTag}`);
  });
});

describe('the Kubernetes checks catch broken manifests', () => {
  it.each([
    ['a missing Service', mutated<K8sDoc>('Service', 'dialer', (d) => (d.kind = 'Gone')), 'dialer: no Service'],
    ['a readiness probe on the wrong path', mutated<IDeployment>('Deployment', 'analytics', (d) => (probe(container(d).readinessProbe).path = '/healthz')), 'analytics: readinessProbe path is /healthz, expected /readyz'],
    ['a probe on another port', mutated<IDeployment>('Deployment', 'provisioning', (d) => (probe(container(d).livenessProbe).port = 9999)), 'provisioning: livenessProbe port 9999 is not the container port 3002'],
    ['PORT not matching the container port', mutated<IDeployment>('Deployment', 'dialer', (d) => (container(d).env = [{ name: 'PORT', value: '8080' }])), 'dialer: PORT env is 8080, expected 3003'],
    ['a short voice-agent grace period', mutated<IDeployment>('Deployment', 'voice-agent', (d) => d.spec?.template.spec && (d.spec.template.spec.terminationGracePeriodSeconds = 30)), 'voice-agent: terminationGracePeriodSeconds 30 < 600'],
    ['a drain longer than the grace period', mutated<IDeployment>('Deployment', 'dialer', (d) => (container(d).env = [{ name: 'PORT', value: '3003' }, { name: 'SHUTDOWN_GRACE_SECONDS', value: '115' }])), 'dialer: preStop 10 s + SHUTDOWN_GRACE_SECONDS 115 s do not fit in 120 s of grace'],
    ['a Service selecting nothing', mutated<IService>('Service', 'analytics', (d) => d.spec && (d.spec.selector = { 'app.kubernetes.io/name': 'analytic' })), "analytics: Service selector does not match the Deployment's pods"],
  ])('workloads: %s', (_what, broken, problem) => {
    expect(appWorkloadProblems(broken)).toContain(problem);
  });

  it('ingress: an API document as a prefix', () => {
    const broken = mutated<IIngress>('Ingress', 'callplane', (d) => {
      const doc = d.spec?.rules?.[0]?.http?.paths.find((p) => p.path === '/openapi/analytics.json');
      if (!doc) throw new Error('fixture Ingress has no /openapi/analytics.json');
      doc.pathType = 'Prefix';
    });
    expect(ingressProblems(broken)).toEqual(['/openapi/analytics.json: pathType Prefix, expected Exact']);
  });

  it('ingress: a missing prefix and a backend that does not exist', () => {
    const broken = mutated<IIngress>('Ingress', 'callplane', (d) => {
      const http = d.spec?.rules?.[0]?.http;
      if (!http) throw new Error('fixture Ingress has no http rule');
      http.paths = http.paths.filter((p) => p.path !== '/voice/leads');
      const twilio = http.paths.find((p) => p.path === '/twilio')?.backend.service;
      if (twilio) twilio.name = 'gateway';
    });
    expect(ingressProblems(broken)).toEqual(
      expect.arrayContaining(['/voice/leads: 0 Ingress paths, expected 1', '/twilio: routed to gateway, expected telephony-gateway', '/twilio: backend Service gateway does not exist']),
    );
  });

  it('env: a secret in the ConfigMap, a variable nowhere, a real-looking secret value', () => {
    const broken = mutated<IConfigMap>('ConfigMap', 'callplane-config', (d) => {
      const { LIVEKIT_SIP_HOST: _dropped, ...rest } = d.data ?? {};
      d.data = { ...rest, ADMIN_TOKEN: 'x' };
    });
    const secret = mutated<ISecret>('Secret', 'callplane-secrets', (d) => (d.stringData = { ...d.stringData, CREDENTIALS_KEY: 'c2VjcmV0' }), secretTemplate);
    expect(envCoverageProblems(broken, secret, configMapText)).toEqual(
      expect.arrayContaining(['ADMIN_TOKEN: a secret must not be in the ConfigMap', 'LIVEKIT_SIP_HOST: not in ConfigMap callplane-config', 'Secret template CREDENTIALS_KEY: must be a CHANGE_ME placeholder']),
    );
  });

  it('job, kustomization and schema: a wrong command, an unlisted file, a mistyped field', () => {
    const job = mutated<IJob>('Job', 'callplane-migrate', (d) => (container(d).args = ['node', 'dist/tools/db-migrate.js', 'diff']));
    expect(migrationJobProblems(job)[0]).toMatch(/expected "node dist\/tools\/db-migrate.js deploy"/);
    const k = { ...kustomization, resources: kustomization.resources?.filter((r) => r !== 'ingress.yaml') };
    expect(kustomizationProblems(k, k8sManifestFiles(), isKustomizeBase)).toEqual(['kustomization.yaml does not list ingress.yaml']);
    const misspelt = { ...kustomization, resources: [...(kustomization.resources ?? []), '../observabilty'] };
    expect(kustomizationProblems(misspelt, k8sManifestFiles(), isKustomizeBase)).toEqual(['kustomization.yaml lists missing ../observabilty']);
    const typo = mutated<IDeployment>('Deployment', 'dialer', (d) => (container(d).ports = [{ name: 'http', containerPort: '3003' as unknown as number }]));
    expect(schemaProblems(typo).join('\n')).toMatch(/Deployment\/dialer: .*containerPort must be integer/);
  });
});

describe('docker-compose.yml', () => {
  it('runs the stack: infrastructure with healthchecks, migrate once before the apps, every app healthy on /healthz', () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it('runs Kafka as a single KRaft node the apps can reach', () => {
    expect(kafkaKraftProblems(compose)).toEqual([]);
  });

  it('mounts LiveKit config files that exist, at the paths the images read', () => {
    const mounts = [...bindMounts(compose.services.livekit), ...bindMounts(compose.services['livekit-sip'])];
    expect(mounts).toEqual(
      expect.arrayContaining([
        { source: './deploy/livekit/livekit.yaml', target: '/etc/livekit.yaml' },
        { source: './deploy/livekit/sip.yaml', target: '/sip/config.yaml' },
      ]),
    );
    for (const s of Object.values(compose.services)) for (const m of bindMounts(s)) expect(exists(path.normalize(m.source))).toBe(true);
    expect(String(compose.services.livekit?.command)).toContain('/etc/livekit.yaml');
  });

  it("configures LiveKit to post webhooks to the gateway's /livekit/webhook with the stack's key", () => {
    expect(liveKitProblems(liveKit, sip, compose, parseEnvFile(envExample))).toEqual([]);
  });

  it('fronts the apps with an edge proxy that routes like the Ingress', () => {
    expect(edgeRoutingProblems(nginxConf)).toEqual([]);
    expect(ROUTES.length).toBe(22);
  });

  it('routes the API reference: /docs to the page, and each public service its own document, as the page lists them', () => {
    // The list the services' pages are built from (libs/service-kit api-docs.ts), read as the deploy checks read every file.
    const listed = /PUBLIC_API_SERVICES = \[([^\]]+)\]/.exec(readText('libs/service-kit/src/api-docs.ts'))?.[1];
    const PUBLIC_API_SERVICES = [...(listed ?? '').matchAll(/'([\w-]+)'/g)].map((m) => m[1]);
    expect(PUBLIC_API_SERVICES.length).toBeGreaterThan(0);
    expect(ROUTES.filter((r) => r.prefix.startsWith('/openapi/')).map((r) => [r.prefix, r.service])).toEqual(PUBLIC_API_SERVICES.map((s) => [`/openapi/${s}.json`, s]));
    // The page comes from the first public service, whose page lists the others.
    expect(ROUTES.find((r) => r.prefix === '/docs')?.service).toBe(PUBLIC_API_SERVICES[0]);
  });

  it('documents every variable in .env.example and ships no secret values', () => {
    for (const name of ENV_CONTRACT) expect(envExample).toMatch(new RegExp(`^#?\\s*${name}\\b`, 'm'));
    const values = parseEnvFile(envExample);
    for (const name of [...SECRET_ENV.filter((n) => n !== 'DATABASE_URL' && n !== 'LIVEKIT_API_KEY'), 'POSTGRES_PASSWORD']) expect(values[name]).toBe('');
  });
});

describe('the compose checks catch a broken stack', () => {
  const broken = (change: (c: ComposeFile) => void): ComposeFile => {
    const copy = structuredClone(compose);
    change(copy);
    return copy;
  };

  it('an app that does not wait for migrations, a wrong healthcheck, a missing service', () => {
    const c = broken((c) => {
      delete (c.services.dialer?.depends_on as Record<string, unknown>).migrate;
      if (c.services.analytics?.healthcheck) c.services.analytics.healthcheck.test = ['CMD', 'true'];
      delete c.services['voice-agent'];
    });
    expect(composeProblems(c)).toEqual(
      expect.arrayContaining(['dialer: must start after migrate completes successfully', 'analytics: healthcheck must GET :3004/healthz', 'no service voice-agent']),
    );
    const hasty = broken((c) => c.services['voice-agent'] && (c.services['voice-agent'].stop_grace_period = '1m'));
    expect(composeProblems(hasty)).toEqual(['voice-agent: stop_grace_period 60 s does not cover its 600 s drain']);
  });

  it('an API document routed to the wrong service, or as a prefix', () => {
    expect(edgeRoutingProblems(nginxConf.replace('location = /openapi/dialer.json { set $upstream http://dialer:3003', 'location = /openapi/dialer.json { set $upstream http://analytics:3004'))).toEqual([
      'edge: /openapi/dialer.json goes to analytics:3004, expected dialer:3003',
    ]);
    expect(edgeRoutingProblems(nginxConf.replace('location = /openapi.json {', 'location ~ ^/openapi.json(/|$) {'))).toEqual(['edge: /openapi.json must be an exact location (=)']);
    expect(edgeRoutingProblems(nginxConf.replace(/\n {2}location ~ \^\/docs.*\n/, '\n'))).toEqual(['edge: no route for /docs']);
  });

  it('a webhook that misses the gateway, an edge route that goes astray', () => {
    const lk = { ...liveKit, webhook: { ...liveKit.webhook, urls: ['http://telephony-gateway:3001/webhook'] } };
    expect(liveKitProblems(lk, sip, compose, parseEnvFile(envExample))[0]).toMatch(/lack http:\/\/telephony-gateway:3001\/livekit\/webhook/);
    expect(edgeRoutingProblems(nginxConf.replace('^/voice/leads(/|$) { set $upstream http://analytics:3004', '^/voice/leads(/|$) { set $upstream http://dialer:3003'))).toEqual([
      'edge: /voice/leads goes to dialer:3003, expected analytics:3004',
    ]);
  });
});

describe('Dockerfile', () => {
  it('builds in stages and runs one app per container as a non-root user', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
    expect(dockerfile.stages.map((s) => s.name)).toEqual(['deps', 'build', 'studio-build', 'studio', 'runtime']);
  });

  it('keeps host artefacts and secrets out of the build context', () => {
    const ignored = readText('.dockerignore').split(/\r?\n/);
    for (const entry of ['**/node_modules', 'dist', '.git', '.env', 'libs/db/src/generated']) expect(ignored).toContain(entry);
  });

  it('notices a root user, a missing APP argument and a single stage', () => {
    const source = readText('Dockerfile');
    expect(dockerfileProblems(parseDockerfile(source.replace('USER 1000:1000', 'USER root')))).toContain('runtime stage must end as a non-root USER');
    expect(dockerfileProblems(parseDockerfile(source.replace('ARG APP=all-in-one', '')))).toContain('runtime stage lacks ARG APP');
    expect(dockerfileProblems(parseDockerfile('FROM node:20-bookworm-slim\nCMD ["node"]\n'))[0]).toBe('1 stages, expected deps, build and runtime');
  });
});

describe('the studio: its own static deployment at `/`', () => {
  const studioConf = readText(STUDIO.nginxConf);
  const buildScript = readText(STUDIO.buildScript);

  it('builds as the Dockerfile target studio: the build script in a stage of its own, nginx-unprivileged as uid 101, runtime still the default', () => {
    expect(studioDockerfileProblems(dockerfile, buildScript)).toEqual([]);
  });

  it('serves the app from nginx: deep links get index.html, API paths and missing assets a 404, hashed assets cached for good, security headers', () => {
    expect(studioNginxProblems(studioConf)).toEqual([]);
  });

  it('runs in compose from that target, read-only and healthy, before the edge', () => {
    expect(studioComposeProblems(compose)).toEqual([]);
    expect(composeProblems(compose)).toEqual([]);
  });

  it('runs on Kubernetes as a Deployment and Service: its pinned image, probes, resources, non-root, read-only, no Secret', () => {
    expect(studioWorkloadProblems(docs)).toEqual([]);
    expect(kustomization.resources).toContain('studio.yaml');
    expect(unpinnedImages({ compose, dockerfile, k8sDocs: docs, kustomization })).toEqual([]);
  });

  it('gets `/` from the Ingress and the edge while every API prefix keeps its service', () => {
    expect(studioRoutingProblems(docs, nginxConf)).toEqual([]);
    expect(ingressProblems(docs)).toEqual([]);
    expect(edgeRoutingProblems(nginxConf)).toEqual([]);
  });
});

describe('the studio checks catch a broken static deployment', () => {
  const source = readText('Dockerfile');
  const studioConf = readText(STUDIO.nginxConf);
  const buildScript = readText(STUDIO.buildScript);
  const studioProblems = (dockerfileSource: string) => studioDockerfileProblems(parseDockerfile(dockerfileSource), buildScript);

  it('Dockerfile: the studio last (so the default build), running as root, a stage that does not build the studio or lacks a module of its script', () => {
    const last = source.replace(/(# ---- studio-build[\s\S]*?)(# ---- runtime[\s\S]*)$/, '$2\n$1');
    expect(studioProblems(last)).toContain("the runtime stage must stay last: a build without --target makes the services' image");
    expect(studioProblems(source.replace('USER 101:101', 'USER root'))).toEqual(['studio stage must end as USER 101:101 (numeric, non-root), not root']);
    expect(studioProblems(source.replace('RUN node scripts/build-studio.mjs', 'RUN true'))).toEqual(['stage studio-build must RUN node scripts/build-studio.mjs']);
    expect(studioProblems(source.replace(' scripts/studio-initial-js.mjs scripts/', ' scripts/'))).toEqual(['stage studio-build does not COPY scripts/studio-initial-js.mjs']);
    expect(studioProblems(source.replace(/^ARG STUDIO_SERVER_IMAGE=.*$/m, 'ARG STUDIO_SERVER_IMAGE=nginx:1.27.5-alpine'))).toEqual([
      'studio stage is FROM nginx:1.27.5-alpine, expected nginxinc/nginx-unprivileged',
    ]);
  });

  it('nginx: no fallback for deep links, index.html for a missing asset, the app for an API path, an always-cached 404, a lost header', () => {
    expect(studioNginxProblems(studioConf.replace('try_files $uri /index.html;', 'try_files $uri =404;'))).toEqual(['nginx: location / must fall back to /index.html (the app routes deep links)']);
    expect(studioNginxProblems(studioConf.replace('try_files $uri =404;', 'try_files $uri /index.html;'))).toEqual(['nginx: a missing /assets/ file must be a 404, not index.html']);
    expect(studioNginxProblems(studioConf.replace('(voice|admin|', '(voice|'))).toEqual(['nginx: /admin must answer the API\'s JSON 404, never the app']);
    expect(studioNginxProblems(studioConf.replace('add_header Cache-Control $studio_cache_control;', 'add_header Cache-Control $studio_cache_control always;'))).toEqual([
      'nginx: the Cache-Control map is not sent (and must not be `always`: a 404 is not cacheable)',
    ]);
    expect(studioNginxProblems(studioConf.replace(" frame-ancestors 'none'", ''))).toEqual(["nginx: Content-Security-Policy lacks frame-ancestors 'none'"]);
    expect(studioNginxProblems(studioConf.replace('try_files $uri =404;', 'try_files $uri =404;\n    add_header X-Extra 1;'))).toEqual(['nginx: add_header inside a location drops every server-level header there']);
  });

  it('compose and Kubernetes: a writable root, a secret handed over, root in the pod, a probe elsewhere, `/` not the studio', () => {
    const c = structuredClone(compose);
    c.services.studio!.read_only = false;
    c.services.studio!.environment = { ADMIN_TOKEN: '${ADMIN_TOKEN}' };
    delete (c.services.edge!.depends_on as Record<string, unknown>).studio;
    expect(studioComposeProblems(c)).toEqual(['studio: read_only must be true', 'studio: takes no environment (it holds no secret)', 'edge: must wait for studio to be healthy']);

    const k = mutated<IDeployment>('Deployment', 'studio', (d) => {
      const pod = d.spec!.template.spec!;
      pod.securityContext = { ...pod.securityContext, runAsUser: 0 };
      container(d).envFrom = [{ secretRef: { name: 'callplane-secrets' } }];
      probe(container(d).livenessProbe).port = 80;
    });
    expect(studioWorkloadProblems(k)).toEqual([
      'studio: livenessProbe port 80 is not the container port 8080',
      "studio: runAsUser 0, expected the image's nginx user 101",
      'studio: must not read a Secret',
    ]);

    const routed = mutated<IIngress>('Ingress', 'callplane', (d) => {
      const root = d.spec?.rules?.[0]?.http?.paths.find((p) => p.path === '/');
      if (!root?.backend.service) throw new Error('fixture Ingress has no / path');
      root.backend.service.name = 'provisioning';
    });
    expect(studioRoutingProblems(routed, nginxConf.replace('http://studio:8080', 'http://provisioning:3002'))).toEqual(['ingress: / must be a Prefix to studio', 'edge: location / must proxy to studio:8080']);
  });
});

describe('images', () => {
  it('pins every image the stack pulls: compose, the Dockerfile, and the Kubernetes image through kustomize', () => {
    expect(unpinnedImages({ compose, dockerfile, k8sDocs: docs, kustomization })).toEqual([]);
  });

  it('notices latest, a missing tag, a bare major, and a Kubernetes image kustomize does not pin', () => {
    expect(unpinnedReason('livekit/sip:latest')).toBe('is latest');
    expect(unpinnedReason('livekit/sip')).toBe('has no tag (that is latest)');
    expect(unpinnedReason('registry.example.com:5000/callplane')).toBe('has no tag (that is latest)');
    expect(unpinnedReason('postgres:16')).toBe('tag 16 is not a release (a version of at least major.minor)');
    expect(unpinnedReason('redis:7-alpine')).toBe('tag 7-alpine is not a release (a version of at least major.minor)');
    for (const pinned of ['postgres:16.11', 'livekit/sip:v1.3.0', 'redis:7.4.11-alpine', 'registry.example.com:5000/callplane:0.1.0', `nginx@sha256:${'a'.repeat(64)}`]) expect({ pinned, why: unpinnedReason(pinned) }).toEqual({ pinned, why: null });

    const c = structuredClone(compose);
    c.services['livekit-sip']!.image = 'livekit/sip:latest';
    c.services.postgres!.image = 'postgres:16';
    const unpinnedK8s = { ...kustomization, images: [] };
    const oldNode = parseDockerfile(readText('Dockerfile').replace(/^ARG NODE_IMAGE=.*$/m, 'ARG NODE_IMAGE=node:20-bookworm-slim'));
    expect(unpinnedImages({ compose: c, dockerfile: oldNode, k8sDocs: docs, kustomization: unpinnedK8s })).toEqual(
      expect.arrayContaining([
        'docker-compose.yml postgres: postgres:16 tag 16 is not a release (a version of at least major.minor)',
        'docker-compose.yml livekit-sip: livekit/sip:latest is latest',
        'Dockerfile stage deps: node:20-bookworm-slim tag 20-bookworm-slim is not a release (a version of at least major.minor)',
        'dialer.yaml Deployment/dialer container dialer: callplane has no tag (that is latest)',
        'migrate-job.yaml Job/callplane-migrate container migrate: callplane has no tag (that is latest)',
      ]),
    );
  });
});

describe('the operator CLI in the image: the first tenant and API key', () => {
  const readme = readText('deploy/README.md');
  const overrides = JSON.parse(readText('deploy/k8s/cli-pod.overrides.json')) as { spec?: IPod['spec'] };
  const secretKeys = Object.keys((secretTemplate.find((d) => d.kind === 'Secret') as unknown as ISecret).stringData ?? {});
  const pin = kustomization.images?.[0];
  const image = `${pin?.newName}:${pin?.newTag}`;
  const podFor = (o: typeof overrides) => kubectlRunPod(image, ['node', 'dist/tools/callplane-cli.js', 'tenants', 'create', '--name', 'Acme'], o);

  it('is built into the image (scripts/build.mjs) at the path the README runs', () => {
    expect(readText('scripts/build.mjs')).toContain("{ name: 'callplane-cli', entry: 'apps/provisioning/src/cli/main.ts', out: 'tools/callplane-cli.js' }");
  });

  it('compose: `docker compose run` of a service built from the image, with its operator token, under the entrypoint', () => {
    expect(composeCliProblems(readme, compose, dockerfile)).toEqual([]);
    expect(readme).toContain('docker compose run --rm --no-deps -e CALLPLANE_URL=http://provisioning:3002 provisioning node dist/tools/callplane-cli.js tenants create --name Acme');
    expect(composeCliProblems(readme.replace('CALLPLANE_URL=http://provisioning:3002', 'CALLPLANE_URL=http://provisioning:3000'), compose, dockerfile)).toEqual([
      'compose line: CALLPLANE_URL http://provisioning:3000 is not a service\'s port',
    ]);
    const noToken = structuredClone(compose);
    delete noToken.services.provisioning!.environment!.ADMIN_TOKEN;
    expect(composeCliProblems(readme, noToken, dockerfile)).toEqual(['compose: provisioning does not have ADMIN_TOKEN for the CLI']);
  });

  it('Kubernetes: `kubectl run` with the overrides file makes a valid pod the restricted namespace admits, token from the Secret', () => {
    expect(readme).toContain('--override-type=strategic --overrides="$(cat deploy/k8s/cli-pod.overrides.json)" -- node dist/tools/callplane-cli.js tenants create --name Acme');
    expect(readText('deploy/k8s/namespace.yaml')).toContain('pod-security.kubernetes.io/enforce: restricted');
    const pod = podFor(overrides);
    expect(() => new Pod(pod).validate()).not.toThrow();
    expect(cliPodProblems(pod, docs, secretKeys)).toEqual([]);
    expect(pod.spec?.containers[0]).toMatchObject({ name: 'callplane-cli', image: 'registry.example.com/callplane:0.1.0', args: ['node', 'dist/tools/callplane-cli.js', 'tenants', 'create', '--name', 'Acme'] });
  });

  it('Kubernetes: the checks notice a root pod, a replaced entrypoint, a token on the command line and a wrong URL', () => {
    const broken = structuredClone(overrides);
    const c = broken.spec!.containers[0]!;
    broken.spec!.securityContext = {};
    c.command = ['node'];
    c.env = [{ name: 'ADMIN_TOKEN', value: 'cp_admin_x' }, { name: 'CALLPLANE_URL', value: 'http://provisioning:3002' }];
    expect(cliPodProblems(podFor(broken), docs, secretKeys)).toEqual([
      'restricted: runAsNonRoot must be true',
      'restricted: seccompProfile RuntimeDefault',
      "a command replaces the image's entrypoint (tini): give arguments",
      'ADMIN_TOKEN must come from the Secret, not a value',
      "ADMIN_TOKEN must come from callplane-secrets's ADMIN_TOKEN",
      "CALLPLANE_URL http://provisioning:3002 is not the provisioning Service's port",
    ]);
  });
});

describe('deploy/README.md', () => {
  it('tells operators about the Secret template and to finish the migration Job before rolling the apps', () => {
    const readme = readText('deploy/README.md');
    expect(readme).toContain('secret.example.yaml');
    expect(readme).toContain('callplane.io/rollout-phase=migrate');
    expect(readme).toContain('wait --for=condition=complete job/callplane-migrate');
    expect(readme).toContain('CALLPLANE_PRISMA_DIR');
  });
});

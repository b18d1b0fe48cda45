import type { IPod } from 'kubernetes-models/v1/Pod';
import type { IService } from 'kubernetes-models/v1/Service';
import type { ComposeFile } from './compose-checks';
import { APPS, SECRET_NAME } from './contract';
import type { ParsedDockerfile } from './dockerfile-checks';
import type { K8sDoc } from './load';

/** The operator CLI's bundle in the image (scripts/build.mjs target `callplane-cli`). */
export const CLI_IN_IMAGE = 'dist/tools/callplane-cli.js';

/** The deploy README's compose line for the CLI: `docker compose run … <service> node dist/tools/callplane-cli.js …`. */
export function composeCliProblems(readme: string, compose: ComposeFile, dockerfile: ParsedDockerfile): string[] {
  const line = readme.split('\n').find((l) => l.startsWith('docker compose run ') && l.includes(CLI_IN_IMAGE));
  if (!line) return [`deploy/README.md: no \`docker compose run … ${CLI_IN_IMAGE}\` line`];
  const problems: string[] = [];
  const m = /--rm .*-e CALLPLANE_URL=http:\/\/([\w-]+):(\d+) ([\w-]+) node /.exec(line);
  if (!m) return [`deploy/README.md: the compose line should be \`docker compose run --rm … -e CALLPLANE_URL=http://<service>:<port> <service> node ${CLI_IN_IMAGE} …\``];
  const [, host, port, serviceName] = m;
  const service = compose.services[serviceName!];
  if (!service?.build) problems.push(`compose: ${serviceName} is not a service built from the Dockerfile`);
  if ((service as { entrypoint?: unknown } | undefined)?.entrypoint !== undefined) problems.push(`compose: ${serviceName} overrides the image's entrypoint`);
  if (!service?.environment || !('ADMIN_TOKEN' in service.environment)) problems.push(`compose: ${serviceName} does not have ADMIN_TOKEN for the CLI`);
  const target = APPS.find((a) => a.name === host);
  if (!target || !compose.services[host!] || String(target.port) !== port) problems.push(`compose line: CALLPLANE_URL http://${host}:${port} is not a service's port`);
  const entrypoint = dockerfile.stages.at(-1)?.instructions.find((i) => i.op === 'ENTRYPOINT')?.args ?? '';
  if (!entrypoint.includes('tini')) problems.push('Dockerfile: the runtime ENTRYPOINT should be tini, which runs any command given');
  return problems;
}

/**
 * What `kubectl run callplane-cli --image=<image> --override-type=strategic --overrides=<file> -- <args>` creates: the
 * pod kubectl generates, with the overrides merged in (a strategic merge patch merges containers by name).
 */
export function kubectlRunPod(image: string, args: string[], overrides: { spec?: IPod['spec'] }): IPod {
  const generated = { name: 'callplane-cli', image, args };
  const spec = overrides.spec ?? { containers: [] };
  const patched = spec.containers.find((c) => c.name === generated.name);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'callplane-cli' },
    spec: {
      ...spec,
      restartPolicy: 'Never',
      containers: [{ ...patched, ...generated }, ...spec.containers.filter((c) => c.name !== generated.name)],
    },
  };
}

/**
 * The pod runs under the namespace's `restricted` Pod Security Standard, keeps the image's entrypoint (arguments, not
 * a command), takes the operator token from the Secret and reaches the provisioning Service.
 */
export function cliPodProblems(pod: IPod, docs: K8sDoc[], secretKeys: string[]): string[] {
  const problems: string[] = [];
  const podSec = pod.spec?.securityContext;
  const c = pod.spec?.containers[0];
  if (!c) return ['no container'];
  if (podSec?.runAsNonRoot !== true) problems.push('restricted: runAsNonRoot must be true');
  if (podSec?.seccompProfile?.type !== 'RuntimeDefault') problems.push('restricted: seccompProfile RuntimeDefault');
  if (c.securityContext?.allowPrivilegeEscalation !== false) problems.push('restricted: allowPrivilegeEscalation must be false');
  if (!c.securityContext?.capabilities?.drop?.includes('ALL')) problems.push('restricted: capabilities must drop ALL');
  if (c.command) problems.push("a command replaces the image's entrypoint (tini): give arguments");
  if (c.args?.[0] !== 'node' || c.args?.[1] !== CLI_IN_IMAGE) problems.push(`arguments must start with node ${CLI_IN_IMAGE}`);
  const token = c.env?.find((e) => e.name === 'ADMIN_TOKEN');
  if (token?.value !== undefined) problems.push('ADMIN_TOKEN must come from the Secret, not a value');
  const ref = token?.valueFrom?.secretKeyRef;
  if (ref?.name !== SECRET_NAME || !secretKeys.includes(ref.key)) problems.push(`ADMIN_TOKEN must come from ${SECRET_NAME}'s ADMIN_TOKEN`);
  const url = c.env?.find((e) => e.name === 'CALLPLANE_URL')?.value ?? '';
  const u = /^http:\/\/([\w-]+)(?::(\d+))?$/.exec(url);
  const svc = u && (docs.find((d) => d.kind === 'Service' && d.metadata.name === u[1]) as unknown as IService | undefined);
  if (!u || u[1] !== 'provisioning' || !svc?.spec?.ports?.some((p) => p.port === Number(u[2] ?? 80))) problems.push(`CALLPLANE_URL ${url} is not the provisioning Service's port`);
  return problems;
}

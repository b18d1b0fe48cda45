import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { ComposeFile } from './compose-checks';
import type { ParsedDockerfile } from './dockerfile-checks';
import type { Kustomization } from './k8s-checks';
import type { K8sDoc } from './load';

/**
 * Why an image reference is not pinned, or null when it is. Pinned means a deploy today and one next month pull the
 * same release: a digest, or a tag that names a release (a version of at least major.minor: `16.11`, `v1.9.10`,
 * `7.4.11-alpine`). `latest`, no tag at all, or a bare major (`16`, `7-alpine`) move under you.
 */
export function unpinnedReason(ref: string): string | null {
  if (/@sha256:[0-9a-f]{64}$/.test(ref)) return null;
  // The tag follows the last ':' after the last '/' (a registry host may carry a port).
  const name = ref.slice(ref.lastIndexOf('/') + 1);
  const tag = name.includes(':') ? name.slice(name.indexOf(':') + 1) : '';
  if (!tag) return 'has no tag (that is latest)';
  if (tag === 'latest') return 'is latest';
  if (!/^v?\d+\.\d+/.test(tag)) return `tag ${tag} is not a release (a version of at least major.minor)`;
  return null;
}

const problem = (where: string, ref: string): string[] => {
  const why = unpinnedReason(ref);
  return why ? [`${where}: ${ref} ${why}`] : [];
};

/**
 * Every image the deployment pulls is pinned: compose's (images it builds itself are named by that build, not
 * pulled), the Dockerfile's base images, and the Kubernetes containers' once kustomize has set their images.
 */
export function unpinnedImages(input: { compose: ComposeFile; dockerfile: ParsedDockerfile; k8sDocs: K8sDoc[]; kustomization: Kustomization }): string[] {
  const problems: string[] = [];
  for (const [name, service] of Object.entries(input.compose.services)) {
    if (service.build) continue;
    if (!service.image) problems.push(`docker-compose.yml ${name}: no image`);
    else problems.push(...problem(`docker-compose.yml ${name}`, service.image));
  }
  const stageNames = new Set(input.dockerfile.stages.map((s) => s.name));
  for (const stage of input.dockerfile.stages) if (!stageNames.has(stage.from)) problems.push(...problem(`Dockerfile stage ${stage.name ?? '?'}`, stage.from));
  for (const doc of input.k8sDocs.filter((d) => d.kind === 'Deployment' || d.kind === 'Job')) {
    const pod = (doc as unknown as IDeployment | IJob).spec?.template.spec;
    for (const c of [...(pod?.initContainers ?? []), ...(pod?.containers ?? [])]) {
      const image = c.image ?? '';
      const set = input.kustomization.images?.find((i) => i.name === image.split(':')[0]);
      const ref = set ? `${set.newName ?? set.name}${set.newTag ? `:${set.newTag}` : ''}` : image;
      problems.push(...problem(`${doc.file} ${doc.kind}/${doc.metadata.name} container ${c.name}`, ref));
    }
  }
  return problems;
}

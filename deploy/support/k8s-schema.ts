import { Deployment } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service } from 'kubernetes-models/v1';
import type { K8sDoc } from './load';

interface Validatable {
  validate(): void;
}
type ModelClass = new (data: never) => Validatable;

const MODELS: Record<string, ModelClass> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'apps/v1/Deployment': Deployment,
  'batch/v1/Job': Job,
  'networking.k8s.io/v1/Ingress': Ingress,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
};

/** Validates each object against the Kubernetes OpenAPI schema of its kind; returns one line per problem. */
export function schemaProblems(docs: K8sDoc[]): string[] {
  return docs.flatMap((doc) => {
    const where = `${doc.file}: ${doc.kind}/${doc.metadata?.name}`;
    const Model = MODELS[`${doc.apiVersion}/${doc.kind}`];
    if (!Model) return [`${where}: no schema known for ${doc.apiVersion} ${doc.kind}`];
    // The file name is ours, not part of the object.
    const { file: _file, ...data } = doc;
    try {
      new Model(data as never).validate();
      return [];
    } catch (err) {
      return [`${where}: ${err instanceof Error ? err.message : String(err)}`];
    }
  });
}

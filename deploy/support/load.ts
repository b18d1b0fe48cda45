import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

export const ROOT = path.resolve(__dirname, '../..');
export const K8S_DIR = path.join(ROOT, 'deploy/k8s');

export interface K8sDoc {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  /** The file it came from, for messages. */
  file: string;
  [key: string]: unknown;
}

export const readText = (rel: string): string => readFileSync(path.join(ROOT, rel), 'utf8');
export const exists = (rel: string): boolean => existsSync(path.join(ROOT, rel));

/** Every YAML document of a file; a syntax error throws with the file named. */
export function parseYamlDocs(text: string, file: string): unknown[] {
  return parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length) throw new Error(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value: unknown = doc.toJS();
    return value == null ? [] : [value];
  });
}

/** Compose files use `<<:` merge keys (YAML 1.1), which the yaml package only resolves when asked. */
export const parseCompose = (text: string): unknown => parse(text, { merge: true });

/** Whether a kustomization resource (relative to deploy/k8s) is a folder with a kustomization of its own. */
export const isKustomizeBase = (rel: string): boolean => existsSync(path.join(K8S_DIR, rel, 'kustomization.yaml'));

export function k8sManifestFiles(): string[] {
  return readdirSync(K8S_DIR)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
}

/** The Kubernetes objects of deploy/k8s: every file but the kustomization (and the Secret template, when asked). */
export function loadK8sDocs(opts: { includeSecretTemplate?: boolean } = {}): K8sDoc[] {
  return k8sManifestFiles()
    .filter((f) => f !== 'kustomization.yaml' && (opts.includeSecretTemplate || f !== 'secret.example.yaml'))
    .flatMap((file) => parseYamlDocs(readFileSync(path.join(K8S_DIR, file), 'utf8'), file).map((d) => ({ ...(d as object), file }) as K8sDoc));
}

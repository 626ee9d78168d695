/**
 * The `deploy/clustermesh-apiserver/` manifests: parsed from their text (pure) and addressed
 * by resource, in an order where every object's dependencies already exist when it is applied.
 */
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { KubeObject, ResourceType } from '../k8s/index.js';
import { repoRoot } from '../lib/repo.js';
import { fail, ok, type Result } from '../lib/result.js';

export const MANIFEST_DIR = join(repoRoot, 'deploy', 'clustermesh-apiserver');
export const MANIFEST_FILES = ['serviceaccount.yaml', 'rbac.yaml', 'service.yaml', 'deployment.yaml'] as const;

const RESOURCES: Record<string, ResourceType> = {
  ServiceAccount: { group: '', version: 'v1', resource: 'serviceaccounts' },
  Service: { group: '', version: 'v1', resource: 'services' },
  ClusterRole: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterroles' },
  ClusterRoleBinding: { group: 'rbac.authorization.k8s.io', version: 'v1', resource: 'clusterrolebindings' },
  Deployment: { group: 'apps', version: 'v1', resource: 'deployments' },
};

export interface Manifest {
  readonly type: ResourceType;
  readonly object: KubeObject;
}

/** @param texts file name → YAML text, applied in the order given. */
export function parseManifests(texts: readonly { file: string; text: string }[]): Result<Manifest[]> {
  const out: Manifest[] = [];
  for (const { file, text } of texts) {
    for (const doc of parseAllDocuments(text)) {
      if ('errors' in doc && doc.errors.length > 0) return fail(`${file}: ${doc.errors[0]!.message.split('\n')[0]}`);
      const object = doc.toJS() as KubeObject | null;
      if (object === null) continue;
      const type = RESOURCES[object.kind ?? ''];
      if (!type) return fail(`${file}: kind ${String(object.kind)} is not one enable knows how to apply`);
      if (!object.metadata?.name) return fail(`${file}: ${object.kind} without metadata.name`);
      out.push({ type, object });
    }
  }
  return ok(out);
}

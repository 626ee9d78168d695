/**
 * The identity controller's writes to the API, each one idempotent: creating what already
 * exists and deleting what is already gone both count as done, so a replayed plan (after a
 * restart or a leadership change) converges instead of failing.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { createObject, deleteObject } from '../../k8s/patch.js';
import { kubeRequest } from '../../k8s/request.js';
import { objectPath, type ObjectRef, type ResourceType } from '../../k8s/resource.js';
import type { KubeError } from '../../k8s/errors.js';
import { ok, type Result } from '../../lib/result.js';

export const CILIUM_IDENTITIES: ResourceType = { group: 'cilium.io', version: 'v2', resource: 'ciliumidentities' };
export const CILIUM_ENDPOINTS: ResourceType = { group: 'cilium.io', version: 'v2', resource: 'ciliumendpoints' };

export const FIELD_MANAGER = 'meshlb-operator';

export type WriteOutcome = 'done' | 'already';

export async function createIdentity(kc: KubeConfig, object: Record<string, unknown>): Promise<Result<WriteOutcome, KubeError>> {
  const r = await createObject(kc, CILIUM_IDENTITIES, object, { fieldManager: FIELD_MANAGER });
  if (r.ok) return ok('done');
  // Someone (an earlier leader) created it; the informer brings it and the next round decides.
  return r.error.kind === 'already_exists' ? ok('already') : r;
}

export async function deleteIfPresent(kc: KubeConfig, ref: ObjectRef): Promise<Result<WriteOutcome, KubeError>> {
  const r = await deleteObject(kc, ref);
  if (r.ok) return ok('done');
  return r.error.kind === 'not_found' ? ok('already') : r;
}

/**
 * Writes an endpoint: create when it did not exist, otherwise a replace guarded by the
 * resourceVersion we last saw, so a concurrent change is a retryable conflict, not lost.
 */
export async function writeEndpoint(
  kc: KubeConfig,
  object: Record<string, unknown>,
  current: { resourceVersion?: string } | undefined,
): Promise<Result<WriteOutcome, KubeError>> {
  const meta = object.metadata as { name: string; namespace: string };
  if (current === undefined) {
    const r = await createObject(kc, CILIUM_ENDPOINTS, object, { fieldManager: FIELD_MANAGER });
    if (r.ok || r.error.kind !== 'already_exists') return r.ok ? ok('done') : r;
  }
  const ref: ObjectRef = { ...CILIUM_ENDPOINTS, namespace: meta.namespace, name: meta.name };
  const body = { ...object, metadata: { ...meta, ...(current?.resourceVersion ? { resourceVersion: current.resourceVersion } : {}) } };
  const r = await kubeRequest(kc, { method: 'PUT', path: objectPath(ref), query: { fieldManager: FIELD_MANAGER }, body });
  return r.ok ? ok('done') : r;
}

/**
 * Writes by group/version/resource. Merge and JSON patches only: custom resources reject
 * strategic-merge patches (415), and one code path for every kind is easier to trust.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { PatchStrategy } from '@kubernetes/client-node';
import { fail, type Result } from '../lib/result.js';
import type { KubeError } from './errors.js';
import { kubeRequest } from './request.js';
import { apiVersionOf, collectionPath, objectPath, type ObjectRef, type ResourceType } from './resource.js';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export type JsonPatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

export interface WriteOptions {
  readonly fieldManager?: string;
  readonly dryRun?: boolean;
}

function writeQuery(opts: WriteOptions): Record<string, string | undefined> {
  return { fieldManager: opts.fieldManager, dryRun: opts.dryRun ? 'All' : undefined };
}

export function mergePatch<T = KubeObject>(kc: KubeConfig, ref: ObjectRef, patch: unknown, opts: WriteOptions = {}): Promise<Result<T, KubeError>> {
  return kubeRequest<T>(kc, { method: 'PATCH', path: objectPath(ref), query: writeQuery(opts), body: patch, contentType: PatchStrategy.MergePatch });
}

export function jsonPatch<T = KubeObject>(kc: KubeConfig, ref: ObjectRef, ops: readonly JsonPatchOp[], opts: WriteOptions = {}): Promise<Result<T, KubeError>> {
  return kubeRequest<T>(kc, { method: 'PATCH', path: objectPath(ref), query: writeQuery(opts), body: ops, contentType: PatchStrategy.JsonPatch });
}

/** Merge patch on the /status subresource; `patch` is the whole body, e.g. `{status: {...}}`. */
export function patchStatus<T = KubeObject>(kc: KubeConfig, ref: ObjectRef, patch: unknown, opts: WriteOptions = {}): Promise<Result<T, KubeError>> {
  return kubeRequest<T>(kc, { method: 'PATCH', path: objectPath(ref, 'status'), query: writeQuery(opts), body: patch, contentType: PatchStrategy.MergePatch });
}

export function getObject<T = KubeObject>(kc: KubeConfig, ref: ObjectRef): Promise<Result<T, KubeError>> {
  return kubeRequest<T>(kc, { method: 'GET', path: objectPath(ref) });
}

export function deleteObject(kc: KubeConfig, ref: ObjectRef): Promise<Result<unknown, KubeError>> {
  return kubeRequest(kc, { method: 'DELETE', path: objectPath(ref) });
}

export function createObject<T = KubeObject>(kc: KubeConfig, type: ResourceType, obj: KubeObject, opts: WriteOptions = {}): Promise<Result<T, KubeError>> {
  const namespace = obj.metadata?.namespace;
  return kubeRequest<T>(kc, { method: 'POST', path: collectionPath({ ...type, ...(namespace ? { namespace } : {}) }), query: writeQuery(opts), body: obj });
}

/**
 * Create-or-update: creates the object, or replaces the existing one's content (keeping its
 * resourceVersion as the precondition, so a concurrent writer causes a retryable conflict
 * rather than a lost update). Status is not touched: use patchStatus for that.
 */
export async function applyObject<T = KubeObject>(kc: KubeConfig, type: ResourceType, obj: KubeObject, opts: WriteOptions = {}): Promise<Result<T, KubeError>> {
  const name = obj.metadata?.name;
  if (!name) return fail({ kind: 'invalid', status: 0, message: 'applyObject needs metadata.name' });
  const body: KubeObject = { ...obj, apiVersion: obj.apiVersion ?? apiVersionOf(type) };
  const created = await createObject<T>(kc, type, body, opts);
  if (created.ok || created.error.kind !== 'already_exists') return created;
  const namespace = obj.metadata?.namespace;
  const ref: ObjectRef = { ...type, name, ...(namespace ? { namespace } : {}) };
  const current = await getObject<KubeObject>(kc, ref);
  if (!current.ok) return current;
  const replacement: KubeObject = {
    ...body,
    metadata: { ...current.value.metadata, ...body.metadata, resourceVersion: current.value.metadata?.resourceVersion },
  };
  return kubeRequest<T>(kc, { method: 'PUT', path: objectPath(ref), query: writeQuery(opts), body: replacement });
}

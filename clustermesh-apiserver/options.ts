import type { MaxConnectedClusters } from '../clustermesh/cluster.js';

export interface ProjectionOptions {
  readonly clusterName: string;
  readonly clusterId: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
  /** Cilium's clustermesh-default-global-namespace: namespaces are global unless annotated "false". */
  readonly defaultGlobalNamespace: boolean;
}

export type RejectedKind = 'Service' | 'EndpointSlice' | 'Namespace' | 'Node' | 'CiliumIdentity' | 'CiliumEndpoint';

/** An input object left out of the projection, and why; the adapter logs it and counts it. */
export interface Rejection {
  readonly kind: RejectedKind;
  readonly namespace?: string;
  readonly name: string;
  readonly reason: string;
}

/** What one input object contributes: its etcd entries, or why it contributes none. */
export interface ObjectProjection {
  readonly entries: readonly (readonly [string, string])[];
  readonly rejected: readonly Rejection[];
}

export const NOTHING: ObjectProjection = { entries: [], rejected: [] };

/** Best-effort name of an object that failed validation, for the rejection record. */
export function describeObject(obj: unknown): { name: string; namespace?: string } {
  const meta = (obj as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '<unnamed>';
  return typeof meta?.namespace === 'string' && meta.namespace !== '' ? { name, namespace: meta.namespace } : { name };
}

export function rejection(kind: RejectedKind, obj: unknown, reason: string): ObjectProjection {
  return { entries: [], rejected: [{ kind, ...describeObject(obj), reason }] };
}

/**
 * Cluster identity rules shared by every clustermesh participant: which names and IDs are
 * valid, and which numeric security identities a cluster may allocate.
 */
import { fail, ok, type Result } from '../lib/result.js';

export type MaxConnectedClusters = 255 | 511;

export const CLUSTER_NAME_MAX_LENGTH = 32;
const clusterNamePattern = /^([a-z0-9][-a-z0-9]*)?[a-z0-9]$/;

/** Identities below this are reserved for well-known entities in every cluster. */
export const MINIMAL_ALLOCATION_IDENTITY = 256;

export const RESERVED_IDENTITIES: ReadonlyMap<number, string> = new Map([
  [0, 'unknown'],
  [1, 'host'],
  [2, 'world'],
  [3, 'unmanaged'],
  [4, 'health'],
  [5, 'init'],
  [6, 'remote-node'],
  [7, 'kube-apiserver'],
  [8, 'ingress'],
  [9, 'world-ipv4'],
  [10, 'world-ipv6'],
]);
export const IDENTITY_HOST = 1;
export const IDENTITY_REMOTE_NODE = 6;

export function isMaxConnectedClusters(n: unknown): n is MaxConnectedClusters {
  return n === 255 || n === 511;
}

export function validateClusterId(id: number, maxConnected: MaxConnectedClusters): Result<number> {
  if (!Number.isInteger(id)) return fail(`cluster ID ${id} is not an integer`);
  if (id === 0) return fail('cluster ID 0 means unset and cannot be used in a mesh');
  if (id < 1 || id > maxConnected) return fail(`cluster ID ${id} is out of range 1..${maxConnected}`);
  return ok(id);
}

export function validateClusterName(name: string, clusterId?: number): Result<string> {
  if (name.length === 0) return fail('cluster name is empty');
  if (name.length > CLUSTER_NAME_MAX_LENGTH) {
    return fail(`cluster name ${JSON.stringify(name)} is longer than ${CLUSTER_NAME_MAX_LENGTH} characters`);
  }
  if (!clusterNamePattern.test(name)) {
    return fail(`cluster name ${JSON.stringify(name)} must be lower-case alphanumerics and '-', starting and ending alphanumeric`);
  }
  if (name === 'default' && clusterId !== undefined && clusterId !== 0) {
    return fail('cluster name "default" cannot be used with a non-zero cluster ID');
  }
  return ok(name);
}

/** Bits of a 24-bit identity holding the cluster-local part. */
export function clusterIdShift(maxConnected: MaxConnectedClusters): 15 | 16 {
  return maxConnected === 511 ? 15 : 16;
}

export interface IdentityRange {
  readonly min: number;
  readonly max: number;
}

/** Inclusive range of identities cluster `clusterId` allocates from. */
export function identityRange(clusterId: number, maxConnected: MaxConnectedClusters): IdentityRange {
  if (!Number.isInteger(clusterId) || clusterId < 0 || clusterId > maxConnected) {
    throw new Error(`identityRange: cluster ID ${clusterId} outside 0..${maxConnected}`);
  }
  const size = 2 ** clusterIdShift(maxConnected);
  const min = clusterId === 0 ? MINIMAL_ALLOCATION_IDENTITY : size * clusterId;
  return { min, max: size * (clusterId + 1) - 1 };
}

/** The cluster ID encoded in an identity's upper bits. */
export function clusterIdOfIdentity(identity: number, maxConnected: MaxConnectedClusters): number {
  return Math.floor(identity / 2 ** clusterIdShift(maxConnected)) & maxConnected;
}

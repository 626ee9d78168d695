/**
 * The `rebel-base` global service as each cluster declares it, and the expectations the test
 * checks against the agents' `/v1/services`. Backend IPs are documentation-style data only:
 * nothing ever dials them.
 */
import type { AgentService } from './sandbox-driver.js';

export const NAMESPACE = 'default';
export const NAME = 'rebel-base';
export const TARGET_PORT = 8080;

export const BACKENDS: Record<string, readonly string[]> = {
  c1: ['10.1.0.1', '10.1.0.2'],
  c2: ['10.2.0.1'],
  c3: [],
};
export const CLUSTER_IDS: Record<string, number> = { c1: 1, c2: 2, c3: 3 };

export function rebelBaseService(annotations: Record<string, string> = {}): object {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: NAME,
      namespace: NAMESPACE,
      annotations: { 'service.cilium.io/global': 'true', ...annotations },
    },
    spec: {
      selector: { app: NAME },
      ports: [{ name: 'http', port: 80, targetPort: TARGET_PORT, protocol: 'TCP' }],
    },
  };
}

/** The cluster's one EndpointSlice of rebel-base; an empty address list means scaled to zero. */
export function rebelBaseSlice(cluster: string, addresses: readonly string[]): object {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {
      name: `${NAME}-${cluster}`,
      namespace: NAMESPACE,
      labels: { 'kubernetes.io/service-name': NAME },
    },
    addressType: 'IPv4',
    ports: [{ name: 'http', port: TARGET_PORT, protocol: 'TCP' }],
    endpoints: addresses.map((ip) => ({ addresses: [ip], conditions: { ready: true } })),
  };
}

export interface BackendView {
  readonly address: string;
  readonly clusterID: number;
  readonly inUse: boolean;
}

/** The backends of an entry as comparable plain data, sorted by address; duplicates kept. */
export function backendView(svc: AgentService | undefined): BackendView[] {
  return (svc?.backends ?? [])
    .map((b) => ({ address: b.address, clusterID: b.clusterID, inUse: b.inUse }))
    .sort((a, b) => a.address.localeCompare(b.address) || a.clusterID - b.clusterID);
}

/** Every backend of the given clusters, with `inUse` decided by `usable(cluster)`. */
export function expectedBackends(
  clusters: readonly string[],
  usable: (cluster: string) => boolean,
): BackendView[] {
  return clusters
    .flatMap((c) =>
      (BACKENDS[c] ?? []).map((address) => ({ address, clusterID: CLUSTER_IDS[c]!, inUse: usable(c) })),
    )
    .sort((a, b) => a.address.localeCompare(b.address) || a.clusterID - b.clusterID);
}

export function sameBackends(a: readonly BackendView[], b: readonly BackendView[]): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The rebel-base scenario as plain data, shared by the merge and service-table tests:
 * a global service in three clusters with 2 backends in c1, 1 in c2 and none in c3.
 */
import type { ClusterService } from '../clustermesh/service.js';
import type { K8sEndpoint, K8sEndpointSlice, K8sService } from './local-service.js';

export const CLUSTER_IDS = { c1: 1, c2: 2, c3: 3 } as const;
export type ClusterName = keyof typeof CLUSTER_IDS;

export const BACKEND_IPS: Record<ClusterName, readonly string[]> = {
  c1: ['10.1.0.10', '10.1.0.11'],
  c2: ['10.2.0.10'],
  c3: [],
};

export function rebelBase(
  annotations: Record<string, string> = { 'service.cilium.io/global': 'true' },
  clusterIP = '10.96.0.50',
): K8sService {
  return {
    metadata: { namespace: 'default', name: 'rebel-base', annotations },
    spec: {
      type: 'ClusterIP',
      clusterIP,
      clusterIPs: [clusterIP],
      ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
    },
  };
}

export function readyEndpoint(ip: string): K8sEndpoint {
  return { addresses: [ip], conditions: { ready: true, serving: true, terminating: false } };
}

export function slice(
  name: string,
  endpoints: readonly K8sEndpoint[],
  service = 'rebel-base',
): K8sEndpointSlice {
  return {
    metadata: { namespace: 'default', name, labels: { 'kubernetes.io/service-name': service } },
    addressType: 'IPv4',
    endpoints,
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

export function localSlices(cluster: ClusterName): K8sEndpointSlice[] {
  return [slice(`rebel-base-${cluster}`, BACKEND_IPS[cluster].map(readyEndpoint))];
}

export function clusterService(
  cluster: ClusterName,
  overrides: Partial<ClusterService> = {},
): ClusterService {
  return {
    cluster,
    namespace: 'default',
    name: 'rebel-base',
    frontends: { '10.96.0.50': { http: { protocol: 'TCP', port: 80 } } },
    backends: Object.fromEntries(
      BACKEND_IPS[cluster].map((ip) => [ip, { http: { protocol: 'TCP', port: 8080 } }]),
    ),
    labels: {},
    selector: { app: 'rebel-base' },
    includeExternal: true,
    shared: true,
    clusterID: CLUSTER_IDS[cluster],
    ...overrides,
  };
}

/** Every other cluster's published entry, as the agent in `local` has cached them. */
export function remotesFor(
  local: ClusterName,
  override: Partial<Record<ClusterName, Partial<ClusterService>>> = {},
): Map<string, ClusterService[]> {
  const names = (Object.keys(CLUSTER_IDS) as ClusterName[]).filter((c) => c !== local);
  return new Map(names.map((c) => [c, [clusterService(c, override[c])]]));
}

/**
 * What a sandbox cluster needs so `meshlb clustermesh` finds it as it would a real one: the
 * `cilium-config` ConfigMap with Cilium's identity keys, and the `clustermesh-apiserver`
 * Service whose annotation gives the loopback endpoint of the cluster's clustermesh etcd
 * (the sandbox has no load balancer to fill `status.loadBalancer`). Pure; the sandbox applies
 * both objects (k8s/ applyObject) after its API server is up.
 */
import { CONFIG_MAP_NAME, DEFAULT_ETCD_PORT, ENDPOINT_ANNOTATION, NAMESPACE, SERVICE_NAME } from './plan.js';

export interface SandboxClusterIdentity {
  readonly name: string;
  readonly id: number;
  readonly maxConnectedClusters?: 255 | 511;
  /** e.g. `https://localhost:PORT` of the cluster's clustermesh etcd. */
  readonly endpoints: readonly string[];
}

export interface IdentityObjects {
  readonly configMap: Record<string, unknown>;
  readonly service: Record<string, unknown>;
}

export function sandboxClusterIdentityObjects(cluster: SandboxClusterIdentity): IdentityObjects {
  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIG_MAP_NAME, namespace: NAMESPACE },
      data: {
        'cluster-name': cluster.name,
        'cluster-id': String(cluster.id),
        'max-connected-clusters': String(cluster.maxConnectedClusters ?? 255),
      },
    },
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: SERVICE_NAME,
        namespace: NAMESPACE,
        labels: { 'k8s-app': 'clustermesh-apiserver' },
        annotations: { [ENDPOINT_ANNOTATION]: cluster.endpoints.join(',') },
      },
      spec: {
        type: 'NodePort',
        selector: { 'k8s-app': 'clustermesh-apiserver' },
        ports: [{ name: 'apiserver', port: DEFAULT_ETCD_PORT, targetPort: DEFAULT_ETCD_PORT, protocol: 'TCP' }],
      },
    },
  };
}

/**
 * The apiserver bench's cluster: 10,000 global services with one 10-endpoint slice each,
 * 20,000 identities and 50,000 CiliumEndpoints (BENCH_SCALE scales them), and the etcd
 * entries they project to. Shared by the bench and its raw-baseline child process.
 */
import type { ProjectionOptions } from '../clustermesh-apiserver/options.js';
import { project } from '../clustermesh-apiserver/project.js';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
export const SERVICES = Math.round(10_000 * SCALE);
export const BACKENDS = 10;
export const IDENTITIES = Math.round(20_000 * SCALE);
export const ENDPOINTS = Math.round(50_000 * SCALE);
export const projection: ProjectionOptions = { clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, defaultGlobalNamespace: true };

const ip = (i: number, a: number) => `${a}.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

export function inputs() {
  const namespaces = [{ metadata: { name: 'bench' } }];
  const services = Array.from({ length: SERVICES }, (_, i) => ({
    metadata: { namespace: 'bench', name: `svc-${i}`, labels: { app: `a${i}` }, annotations: { 'service.cilium.io/global': 'true' } },
    spec: { type: 'ClusterIP', clusterIP: ip(i, 11), clusterIPs: [ip(i, 11)], selector: { app: `a${i}` }, ports: [{ name: 'http', port: 80, protocol: 'TCP' }] },
  }));
  const endpointSlices = services.map((_, i) => slice(i, 0));
  const identities = Array.from({ length: IDENTITIES }, (_, i) => ({
    metadata: { name: String(65536 + 256 + i) },
    'security-labels': { 'k8s:app': `app-${i}`, 'k8s:io.cilium.k8s.policy.cluster': 'c1', 'k8s:io.kubernetes.pod.namespace': 'bench' },
  }));
  const endpoints = Array.from({ length: ENDPOINTS }, (_, i) => ({
    metadata: { namespace: 'bench', name: `pod-${i}` },
    status: { identity: { id: 65536 + 256 + (i % IDENTITIES) }, networking: { addressing: [{ ipv4: ip(i, 12) }], node: '172.18.0.2' } },
  }));
  return { namespaces, services, endpointSlices, identities, endpoints, nodes: [] as unknown[] };
}

/** Service i's EndpointSlice; a higher generation shifts its addresses (a real change). */
export function slice(i: number, generation: number) {
  return {
    metadata: { namespace: 'bench', name: `svc-${i}-x`, labels: { 'kubernetes.io/service-name': `svc-${i}` } },
    addressType: 'IPv4',
    endpoints: Array.from({ length: BACKENDS }, (_, b) => ({ addresses: [ip(i * BACKENDS + b + generation, 13)], conditions: { ready: true } })),
    ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
  };
}

/** The etcd keys and values the inputs project to. */
export function expectedEntries(): ReadonlyMap<string, string> {
  return project(inputs(), projection).entries;
}

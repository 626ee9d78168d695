/**
 * Remote cluster data in Cilium's format, built with the clustermesh encoders: shared by the
 * caches unit test and the agent's integration tests.
 */
import { identityRange } from '../clustermesh/cluster.js';
import { encodeIdentity } from '../clustermesh/identity.js';
import { encodeIpIdentityPair, ipcacheEntryKey } from '../clustermesh/ipcache.js';
import { nodeKey, serviceKey } from '../clustermesh/keys.js';
import { encodeNode, type ClusterNode } from '../clustermesh/node.js';
import { encodeClusterService, type ClusterService } from '../clustermesh/service.js';

export interface KeyValue {
  readonly key: string;
  readonly value: string;
}

export function clusterService(
  cluster: string,
  clusterID: number,
  name: string,
  backends: readonly string[],
  opts: { namespace?: string; shared?: boolean; port?: number } = {},
): ClusterService {
  const port = opts.port ?? 8080;
  return {
    cluster,
    namespace: opts.namespace ?? 'default',
    name,
    frontends: { '10.96.0.50': { http: { protocol: 'TCP', port: 80 } } },
    backends: Object.fromEntries(backends.map((ip) => [ip, { http: { protocol: 'TCP', port } }])),
    labels: {},
    selector: { app: name },
    includeExternal: true,
    shared: opts.shared ?? true,
    clusterID,
  };
}

export function serviceKv(svc: ClusterService): KeyValue {
  return { key: serviceKey(svc.cluster, svc.namespace, svc.name), value: encodeClusterService(svc) };
}

export function nodeKv(cluster: string, clusterID: number, name: string, ip: string): KeyValue {
  const node: ClusterNode = {
    name,
    cluster,
    ipAddresses: [{ type: 'InternalIP', ip }],
    ipv4AllocCIDR: `10.${clusterID}.0.0/24`,
    clusterID,
    source: 'kvstore',
    encryptionKey: 0,
    nodeIdentity: 0,
    wireguardPubKey: '',
    bootID: '',
  };
  return { key: nodeKey(cluster, name), value: encodeNode(node) };
}

/** The n-th identity of a cluster (n ≥ 0), inside its range. */
export function identityKv(cluster: string, clusterID: number, n: number): KeyValue {
  const id = Math.max(identityRange(clusterID, 255).min, 256) + n;
  return encodeIdentity({
    id,
    labels: [
      { source: 'k8s', key: 'app', value: `app-${n}` },
      { source: 'k8s', key: 'io.cilium.k8s.policy.cluster', value: cluster },
      { source: 'k8s', key: 'io.kubernetes.pod.namespace', value: 'default' },
    ],
  });
}

export function ipcacheKv(ip: string, id: number): KeyValue {
  return { key: ipcacheEntryKey({ ip }), value: encodeIpIdentityPair({ ip, id, key: 0, metadata: '' }) };
}

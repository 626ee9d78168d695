/**
 * Pure description of a sandbox: which clusters, on which ports, and the files handed to users
 * (kubeconfig, env.json). Ports are chosen once and persisted in DIR/state.json so that
 * `sandbox up` on the same DIR resumes with the same endpoints and the old kubeconfig stays valid.
 */
import { z } from 'zod';
import { stringify } from 'yaml';

export const ClusterStateSchema = z.object({
  name: z.string(),
  id: z.number().int().min(1).max(511),
  ports: z.object({
    apiserver: z.number().int(),
    etcdClient: z.number().int(),
    etcdPeer: z.number().int(),
  }),
});
export type ClusterState = z.infer<typeof ClusterStateSchema>;

export const SandboxStateSchema = z.object({
  version: z.literal(1),
  clusters: z.array(ClusterStateSchema),
});
export type SandboxState = z.infer<typeof SandboxStateSchema>;

export function clusterName(index: number): string {
  return `c${index + 1}`;
}

/** Extends a previous state to `count` clusters; existing clusters keep their ports. */
export function planClusters(
  previous: SandboxState | undefined,
  count: number,
  freePorts: () => number[],
): SandboxState {
  const clusters: ClusterState[] = [];
  for (let i = 0; i < count; i++) {
    const kept = previous?.clusters.find((c) => c.name === clusterName(i));
    if (kept) {
      clusters.push(kept);
      continue;
    }
    const [apiserver, etcdClient, etcdPeer] = freePorts();
    if (apiserver === undefined || etcdClient === undefined || etcdPeer === undefined) {
      throw new Error('freePorts returned fewer than 3 ports');
    }
    clusters.push({ name: clusterName(i), id: i + 1, ports: { apiserver, etcdClient, etcdPeer } });
  }
  return { version: 1, clusters };
}

export function apiServerUrl(c: ClusterState): string {
  return `https://127.0.0.1:${c.ports.apiserver}`;
}

export function etcdClientUrl(c: ClusterState): string {
  return `http://127.0.0.1:${c.ports.etcdClient}`;
}

export function buildKubeconfig(clusters: readonly ClusterState[], caPem: string, token: string): string {
  const caData = Buffer.from(caPem).toString('base64');
  const doc = {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    'current-context': clusters[0]?.name ?? '',
    clusters: clusters.map((c) => ({
      name: c.name,
      cluster: { server: apiServerUrl(c), 'certificate-authority-data': caData },
    })),
    users: [{ name: 'sandbox-admin', user: { token } }],
    contexts: clusters.map((c) => ({ name: c.name, context: { cluster: c.name, user: 'sandbox-admin' } })),
  };
  return stringify(doc);
}

export interface EnvCluster {
  readonly name: string;
  readonly id: number;
  readonly context: string;
  readonly server: string;
  readonly etcd: { readonly endpoints: readonly string[] };
  readonly [extra: string]: unknown;
}

export interface EnvFile {
  readonly kubeconfig: string;
  readonly clusters: readonly EnvCluster[];
}

/** `extras` lets later features (clustermesh etcd, agents) add fields to each cluster entry. */
export function buildEnv(
  kubeconfigPath: string,
  clusters: readonly ClusterState[],
  extras: (c: ClusterState) => Record<string, unknown> = () => ({}),
): EnvFile {
  return {
    kubeconfig: kubeconfigPath,
    clusters: clusters.map((c) => ({
      name: c.name,
      id: c.id,
      context: c.name,
      server: apiServerUrl(c),
      etcd: { endpoints: [etcdClientUrl(c)] },
      ...extras(c),
    })),
  };
}

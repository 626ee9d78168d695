/**
 * Pure description of a sandbox: which clusters, on which ports, and the files handed to users
 * (kubeconfig, env.json). Ports are chosen once and persisted in DIR/state.json so that
 * `sandbox up` on the same DIR resumes with the same endpoints and the old kubeconfig stays valid.
 */
import { z } from 'zod';
import { stringify } from 'yaml';

/** Every port a sandbox cluster listens on; adding a name here gives old sandboxes a new port on resume. */
export const PORT_NAMES = [
  'apiserver',
  'etcdClient',
  'etcdPeer',
  'meshEtcdClient',
  'meshEtcdPeer',
  'meshApiserverHealth',
  'operatorHealth',
  'agentStatus',
] as const;
export type PortName = (typeof PORT_NAMES)[number];
export type Ports = Readonly<Record<PortName, number>>;

const port = z.number().int().min(1).max(65535);
const StoredClusterSchema = z.object({
  name: z.string(),
  id: z.number().int().min(1).max(511),
  ports: z.partialRecord(z.enum(PORT_NAMES), port),
});

export const SANDBOX_DATAPATHS = ['memory', 'bpf'] as const;
export type SandboxDatapath = (typeof SANDBOX_DATAPATHS)[number];

export const SandboxStateSchema = z.object({
  version: z.literal(1),
  clusters: z.array(StoredClusterSchema),
  /** Absent in sandboxes created before it existed: memory. */
  datapath: z.enum(SANDBOX_DATAPATHS).optional(),
});
export type StoredSandboxState = z.infer<typeof SandboxStateSchema>;

export interface ClusterState {
  readonly name: string;
  readonly id: number;
  readonly ports: Ports;
}

export interface SandboxState {
  readonly version: 1;
  readonly clusters: readonly ClusterState[];
  readonly datapath?: SandboxDatapath;
}

/** The flag wins; a resumed sandbox keeps its earlier choice; memory otherwise. */
export function chooseDatapath(flag: SandboxDatapath | undefined, previous: { readonly datapath?: SandboxDatapath } | undefined): SandboxDatapath {
  return flag ?? previous?.datapath ?? 'memory';
}

export function clusterName(index: number): string {
  return `c${index + 1}`;
}

/**
 * Extends a previous state to `count` clusters. Existing clusters keep their ports (so old
 * kubeconfigs stay valid); only ports they lack are taken from `nextPort`.
 */
export function planClusters(
  previous:
    | {
        readonly clusters: readonly {
          readonly name: string;
          readonly id: number;
          readonly ports: Partial<Ports>;
        }[];
      }
    | undefined,
  count: number,
  nextPort: () => number,
): SandboxState {
  const clusters: ClusterState[] = [];
  for (let i = 0; i < count; i++) {
    const kept = previous?.clusters.find((c) => c.name === clusterName(i));
    const ports = Object.fromEntries(PORT_NAMES.map((n) => [n, kept?.ports[n] ?? nextPort()])) as Record<
      PortName,
      number
    >;
    clusters.push({ name: clusterName(i), id: kept?.id ?? i + 1, ports });
  }
  return { version: 1, clusters };
}

/** How many new ports planClusters may ask for at most. */
export function portsNeeded(count: number): number {
  return count * PORT_NAMES.length;
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

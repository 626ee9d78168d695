/**
 * The meshlb processes of a sandbox cluster, as they would run on a real one: etcdinit on the
 * clustermesh etcd, the clustermesh-apiserver, the operator, and one agent on node
 * `<cluster>-node1` (registered as a Node, as its kubelet would). The cluster's identity
 * (ConfigMap cilium-config, Service clustermesh-apiserver) is published so that
 * `meshlb clustermesh connect` finds it exactly as on a real cluster.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { etcdInit } from '../clustermesh-apiserver/etcdinit.js';
import { sandboxClusterIdentityObjects } from '../clustermesh-cli/sandbox-objects.js';
import { applyObject, type KubeObject } from '../k8s/index.js';
import type { Logger } from '../lib/log.js';
import { probeStatus } from '../lib/net.js';
import { meshlbBin } from '../lib/repo.js';
import { pollUntil, type ChildSpec } from './children.js';
import type { MeshFiles } from './clustermesh.js';
import type { ClusterState } from './plan.js';

export interface MeshProcessInputs {
  readonly cluster: ClusterState;
  readonly clusterDir: string;
  readonly kubeconfig: string;
  readonly meshEndpoints: readonly string[];
  readonly files: MeshFiles;
  /** The agent programs pinned BPF maps under this bpffs directory; memory maps when absent. */
  readonly bpfRoot?: string;
}

export function nodeName(cluster: ClusterState): string {
  return `${cluster.name}-node1`;
}

export function agentConfigDir(inputs: Pick<MeshProcessInputs, 'cluster' | 'clusterDir'>): string {
  return join(inputs.clusterDir, nodeName(inputs.cluster), 'clustermesh');
}

export async function initMeshEtcd(inputs: MeshProcessInputs, log: Logger): Promise<void> {
  const admin = inputs.files.cert('admin');
  const r = await etcdInit(
    {
      endpoints: inputs.meshEndpoints,
      caFile: inputs.files.caFile,
      certFile: admin.certFile,
      keyFile: admin.keyFile,
      clusterName: inputs.cluster.name,
    },
    log,
  );
  if (!r.ok) throw new Error(`etcdinit of ${inputs.cluster.name}: ${r.error.message}`);
}

/** Documentation addresses (RFC 5737) for node IPs: data only, never dialled. */
function nodeObject(cluster: ClusterState): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: nodeName(cluster),
      labels: { 'kubernetes.io/hostname': nodeName(cluster), 'kubernetes.io/os': 'linux' },
    },
    spec: { podCIDR: `10.${cluster.id}.1.0/24`, podCIDRs: [`10.${cluster.id}.1.0/24`] },
    status: {
      addresses: [
        { type: 'InternalIP', address: `192.0.2.${cluster.id}` },
        { type: 'Hostname', address: nodeName(cluster) },
      ],
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'meshlb sandbox node' }],
    },
  };
}

export async function publishClusterObjects(kc: KubeConfig, inputs: MeshProcessInputs): Promise<void> {
  const { configMap, service } = sandboxClusterIdentityObjects({
    name: inputs.cluster.name,
    id: inputs.cluster.id,
    endpoints: inputs.meshEndpoints,
  });
  const writes: [{ group: string; version: string; resource: string }, KubeObject][] = [
    [{ group: '', version: 'v1', resource: 'configmaps' }, configMap as KubeObject],
    [{ group: '', version: 'v1', resource: 'services' }, service as KubeObject],
    [{ group: '', version: 'v1', resource: 'nodes' }, nodeObject(inputs.cluster)],
  ];
  for (const [type, obj] of writes) {
    const r = await applyObject(kc, type, obj);
    if (!r.ok) throw new Error(`writing ${type.resource} ${obj.metadata?.name}: ${r.error.message}`);
  }
}

function readyWhen(url: string): ChildSpec['waitReady'] {
  return (signal) => pollUntil(async () => (await probeStatus(url)) === 200, signal, 100);
}

function common(inputs: MeshProcessInputs): string[] {
  const c = inputs.cluster;
  return [
    '--kubeconfig',
    inputs.kubeconfig,
    '--context',
    c.name,
    '--cluster-name',
    c.name,
    '--cluster-id',
    String(c.id),
  ];
}

export function clustermeshApiserverSpec(inputs: MeshProcessInputs): ChildSpec {
  const admin = inputs.files.cert('admin');
  const port = inputs.cluster.ports.meshApiserverHealth;
  return {
    name: `clustermesh-apiserver-${inputs.cluster.name}`,
    command: process.execPath,
    args: [
      meshlbBin,
      'clustermesh-apiserver',
      'run',
      ...common(inputs),
      '--etcd',
      inputs.meshEndpoints.join(','),
      '--etcd-ca',
      inputs.files.caFile,
      '--etcd-cert',
      admin.certFile,
      '--etcd-key',
      admin.keyFile,
      '--health-port',
      String(port),
    ],
    logFile: join(inputs.clusterDir, 'clustermesh-apiserver.log'),
    waitReady: readyWhen(`http://127.0.0.1:${port}/readyz`),
  };
}

export function operatorSpec(inputs: MeshProcessInputs): ChildSpec {
  const port = inputs.cluster.ports.operatorHealth;
  return {
    name: `operator-${inputs.cluster.name}`,
    command: process.execPath,
    // Short lease timings: a restarted sandbox operator takes over its old lease quickly.
    args: [
      meshlbBin,
      'operator',
      ...common(inputs),
      '--health-port',
      String(port),
      '--identity',
      `${inputs.cluster.name}-operator`,
    ],
    logFile: join(inputs.clusterDir, 'operator.log'),
    waitReady: readyWhen(`http://127.0.0.1:${port}/readyz`),
  };
}

export async function agentSpec(inputs: MeshProcessInputs): Promise<ChildSpec> {
  const port = inputs.cluster.ports.agentStatus;
  const configDir = agentConfigDir(inputs);
  await mkdir(configDir, { recursive: true });
  return {
    name: `agent-${nodeName(inputs.cluster)}`,
    command: process.execPath,
    args: [
      meshlbBin,
      'agent',
      ...common(inputs),
      '--node-name',
      nodeName(inputs.cluster),
      '--clustermesh-config',
      configDir,
      '--status-port',
      String(port),
      ...(inputs.bpfRoot ? ['--datapath', 'bpf', '--bpf-root', inputs.bpfRoot] : []),
    ],
    logFile: join(inputs.clusterDir, `agent-${nodeName(inputs.cluster)}.log`),
    waitReady: readyWhen(`http://127.0.0.1:${port}/readyz`),
  };
}

export function agentStatusUrl(cluster: ClusterState): string {
  return `http://127.0.0.1:${cluster.ports.agentStatus}`;
}

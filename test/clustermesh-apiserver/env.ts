/**
 * The clustermesh-apiserver's world for integration tests: the sandbox API server (real etcd,
 * the project's CRDs) and a second, separate etcd for the mesh. Objects are seeded straight
 * into the API server's storage (as kube-apiserver keeps them), which is fast and lets tests
 * hold objects the API server's validation would refuse, as an older server might have
 * stored them; the apiserver under test still reads everything through list/watch.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { KubeConfig } from '@kubernetes/client-node';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient, TxnOp } from '../../kvstore/types.js';
import { silentLogger } from '../../lib/log.js';
import type { EtcdHandle } from '../../sandbox/etcd/index.js';
import { startHarness, type Harness } from '../apiserver/harness.js';
import { makeTempDir, startTestEtcd } from '../helpers/etcd.js';
import { must } from '../helpers/kv.js';
import { kubeConfigFor } from '../k8s/harness.js';

export const CRD_DIR = new URL('../../deploy/crds/', import.meta.url).pathname;

export type SeedKind = 'services' | 'endpointslices' | 'namespaces' | 'nodes' | 'ciliumidentities' | 'ciliumendpoints';

const types: Record<SeedKind, { group: string; apiVersion: string; kind: string }> = {
  services: { group: 'core', apiVersion: 'v1', kind: 'Service' },
  endpointslices: { group: 'discovery.k8s.io', apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  namespaces: { group: 'core', apiVersion: 'v1', kind: 'Namespace' },
  nodes: { group: 'core', apiVersion: 'v1', kind: 'Node' },
  ciliumidentities: { group: 'cilium.io', apiVersion: 'cilium.io/v2', kind: 'CiliumIdentity' },
  ciliumendpoints: { group: 'cilium.io', apiVersion: 'cilium.io/v2', kind: 'CiliumEndpoint' },
};

type Meta = { name: string; namespace?: string };

export function storageKey(kind: SeedKind, obj: unknown): string {
  const meta = (obj as { metadata: Meta }).metadata;
  const ns = meta.namespace ? `${meta.namespace}/` : '';
  return `/registry/${types[kind].group}/${kind}/${ns}${meta.name}`;
}

export function seedOps(kind: SeedKind, objects: readonly unknown[]): TxnOp[] {
  return objects.map((o) => {
    const obj = o as { metadata: Meta & Record<string, unknown> };
    const value = {
      apiVersion: types[kind].apiVersion,
      kind: types[kind].kind,
      ...obj,
      metadata: { uid: randomUUID(), creationTimestamp: '2025-01-01T00:00:00Z', ...obj.metadata },
    };
    return { op: 'put', key: storageKey(kind, obj), value: JSON.stringify(value) };
  });
}

export async function seed(kv: KvClient, kind: SeedKind, objects: readonly unknown[]): Promise<void> {
  must(await kv.applyBatched(seedOps(kind, objects)));
}

export async function unseed(kv: KvClient, kind: SeedKind, objects: readonly unknown[]): Promise<void> {
  must(await kv.applyBatched(objects.map((o) => ({ op: 'delete', key: storageKey(kind, o) }))));
}

/** Every key and value under a prefix, paging through large sets. */
export async function contents(kv: KvClient, prefix: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  let startKey: string | undefined;
  do {
    const page = must(await kv.list(prefix, { limit: 5_000, ...(startKey ? { startKey } : {}) }));
    for (const e of page.entries) out.set(e.key, e.value.toString());
    startKey = page.more ? page.entries[page.entries.length - 1]!.key + '\0' : undefined;
  } while (startKey);
  return out;
}

export interface MeshEnv {
  readonly api: Harness;
  readonly kc: KubeConfig;
  readonly kubeconfigPath: string;
  readonly meshEtcd: EtcdHandle;
  readonly mesh: KvClient;
  readonly dir: string;
  stop(): Promise<void>;
}

export async function startMeshEnv(): Promise<MeshEnv> {
  const dir = makeTempDir('meshlb-cm-apiserver-');
  const cleanups: (() => Promise<void>)[] = [async () => rmSync(dir, { recursive: true, force: true })];
  const stop = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const api = await startHarness({ crdDir: CRD_DIR });
    cleanups.push(() => api.stop());
    const meshEtcd = await startTestEtcd(dir, { name: 'mesh' });
    cleanups.push(() => meshEtcd.stop());
    const mesh = connectKv({ endpoints: meshEtcd.clientUrls, callTimeoutMs: 5_000 }, silentLogger);
    cleanups.push(() => mesh.close());
    const kubeconfigPath = join(dir, 'kubeconfig');
    const kc = kubeConfigFor(api.server.url, api.ca, api.token);
    const { writeFile } = await import('node:fs/promises');
    await writeFile(kubeconfigPath, kc.exportConfig(), { mode: 0o600 });
    return { api, kc, kubeconfigPath, meshEtcd, mesh, dir, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

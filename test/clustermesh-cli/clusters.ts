/**
 * Several sandbox API servers (each with its own real etcd) behind one kubeconfig with a
 * context per cluster, seeded the way a cluster looks after `clustermesh enable`: the
 * cilium-config ConfigMap, the clustermesh-apiserver Service and the certificate Secrets.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { clustermeshSecrets, createCA, issueClustermeshCerts, type Pem } from '../../certs/index.js';
import { sandboxClusterIdentityObjects } from '../../clustermesh-cli/sandbox-objects.js';
import { applyObject, coreResource, getObject, type KubeObject } from '../../k8s/index.js';
import { startHarness, type Harness } from '../apiserver/harness.js';

export interface TestCluster {
  readonly name: string;
  readonly id: number;
  readonly maxConnectedClusters?: 255 | 511;
  /** Defaults to the shared CA. */
  readonly ca?: Pem;
  readonly endpoint?: string;
}

export interface Clusters {
  readonly dir: string;
  readonly kubeconfig: string;
  readonly sharedCa: Pem;
  kc(context: string): KubeConfig;
  /** The decoded `cilium-clustermesh` data of a context, or undefined when the Secret does not exist. */
  meshSecret(context: string): Promise<Record<string, string> | undefined>;
  stop(): Promise<void>;
}

export function newCa(name = 'Cilium CA'): Promise<Pem> {
  return createCA({ commonName: name, validityDays: 1 });
}

export async function startClusters(contexts: readonly string[]): Promise<Clusters> {
  const dir = await mkdtemp(join(tmpdir(), 'meshlb-cmcli-'));
  const harnesses = new Map<string, Harness>();
  const stop = async (): Promise<void> => {
    for (const h of harnesses.values()) await h.stop().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    // Started together: each is an etcd child plus an API server, mostly waiting on start-up.
    const started = await Promise.allSettled(contexts.map(() => startHarness()));
    started.forEach((r, i) => {
      if (r.status === 'fulfilled') harnesses.set(contexts[i]!, r.value);
    });
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    const kubeconfig = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [...harnesses].map(([name, h]) => ({
          name,
          cluster: { server: h.server.url, 'certificate-authority-data': Buffer.from(h.ca).toString('base64') },
        })),
        users: [...harnesses].map(([name, h]) => ({ name, user: { token: h.token } })),
        contexts: [...harnesses.keys()].map((name) => ({ name, context: { cluster: name, user: name } })),
        'current-context': contexts[0],
      }),
    );
    const kc = (context: string): KubeConfig => {
      const k = new KubeConfig();
      k.loadFromFile(kubeconfig);
      k.setCurrentContext(context);
      return k;
    };
    const meshSecret = async (context: string): Promise<Record<string, string> | undefined> => {
      const r = await getObject(kc(context), { ...coreResource('secrets'), namespace: 'kube-system', name: 'cilium-clustermesh' });
      if (!r.ok) {
        if (r.error.kind === 'not_found') return undefined;
        throw new Error(r.error.message);
      }
      const data = (r.value as { data?: Record<string, string> }).data ?? {};
      return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    };
    return { dir, kubeconfig, sharedCa: await newCa(), kc, meshSecret, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

async function must(r: Promise<{ ok: boolean; error?: { message: string } }>, what: string): Promise<void> {
  const v = await r;
  if (!v.ok) throw new Error(`${what}: ${v.error?.message}`);
}

/** What a cluster holds after `clustermesh enable`: identity ConfigMap, Service, certificate Secrets. */
export async function seedCluster(clusters: Clusters, context: string, c: TestCluster): Promise<void> {
  const kc = clusters.kc(context);
  const objs = sandboxClusterIdentityObjects({
    name: c.name,
    id: c.id,
    maxConnectedClusters: c.maxConnectedClusters,
    endpoints: [c.endpoint ?? `https://localhost:${2000 + c.id}`],
  });
  await must(applyObject(kc, coreResource('configmaps'), objs.configMap as KubeObject), 'configmap');
  await must(applyObject(kc, coreResource('services'), objs.service as KubeObject), 'service');
  const certs = await issueClustermeshCerts({ ca: c.ca ?? clusters.sharedCa, clusterName: c.name, validityDays: 1 });
  for (const s of clustermeshSecrets(certs)) await must(applyObject(kc, coreResource('secrets'), { ...s } as unknown as KubeObject), s.metadata.name);
}

export interface Captured {
  out: string;
  err: string;
  readonly io: { out(t: string): void; err(t: string): void };
}

export function capture(): Captured {
  const c: Captured = {
    out: '',
    err: '',
    io: { out: (t) => void (c.out += t), err: (t) => void (c.err += t) },
  };
  return c;
}

/**
 * A sandbox cluster's clustermesh side: its own etcd with TLS and client-certificate auth, the
 * certificate set (server, admin-<c>, local-<c>, remote) from the sandbox-wide clustermesh CA,
 * and the Secrets a real installation would hold (cilium-ca, clustermesh-apiserver-*-cert).
 * One CA for all sandbox clusters, as Cilium recommends, so `clustermesh connect` needs no
 * --allow-mismatching-ca.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import {
  clustermeshSecrets,
  issueClustermeshCerts,
  type ClustermeshCerts,
  type Pem,
} from '../certs/index.js';
import { applyObject } from '../k8s/index.js';
import type { Logger } from '../lib/log.js';
import { startEtcd, type EtcdHandle } from './etcd/process.js';
import type { ClusterState } from './plan.js';

const roles = ['server', 'admin', 'local', 'remote'] as const;
type Role = (typeof roles)[number];

export interface MeshFiles {
  readonly dir: string;
  readonly caFile: string;
  cert(role: Role): { certFile: string; keyFile: string };
}

export function meshFiles(clusterDir: string): MeshFiles {
  const dir = join(clusterDir, 'clustermesh');
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    cert: (role) => ({ certFile: join(dir, `${role}.crt`), keyFile: join(dir, `${role}.key`) }),
  };
}

/** Issued once per cluster and kept in its directory, so a resumed sandbox keeps trusting them. */
export async function ensureMeshCerts(
  cluster: ClusterState,
  files: MeshFiles,
  ca: Pem,
): Promise<ClustermeshCerts> {
  await mkdir(files.dir, { recursive: true });
  if (roles.every((r) => existsSync(files.cert(r).certFile))) {
    const read = async (r: Role): Promise<Pem> => ({
      certPem: await readFile(files.cert(r).certFile, 'utf8'),
      keyPem: await readFile(files.cert(r).keyFile, 'utf8'),
    });
    return {
      ca,
      server: await read('server'),
      admin: await read('admin'),
      local: await read('local'),
      remote: await read('remote'),
    };
  }
  const certs = await issueClustermeshCerts({
    ca,
    clusterName: cluster.name,
    serverDnsNames: [`${cluster.name}.mesh.cilium.io`],
    serverIPs: ['127.0.0.1'],
  });
  await writeFile(files.caFile, ca.certPem);
  for (const r of roles) {
    await writeFile(files.cert(r).certFile, certs[r].certPem);
    await writeFile(files.cert(r).keyFile, certs[r].keyPem, { mode: 0o600 });
  }
  return certs;
}

export function startMeshEtcd(cluster: ClusterState, files: MeshFiles): ReturnType<typeof startEtcd> {
  const server = files.cert('server');
  return startEtcd({
    dataDir: join(files.dir, 'etcd'),
    name: `${cluster.name}-mesh`,
    clientPort: cluster.ports.meshEtcdClient,
    peerPort: cluster.ports.meshEtcdPeer,
    tls: { caFile: files.caFile, certFile: server.certFile, keyFile: server.keyFile, clientCertAuth: true },
  });
}

/** Writes the certificate Secrets into kube-system, as `clustermesh enable` would on a real cluster. */
export async function publishMeshSecrets(
  kc: KubeConfig,
  certs: ClustermeshCerts,
  log: Logger,
): Promise<void> {
  for (const secret of clustermeshSecrets(certs)) {
    const r = await applyObject(
      kc,
      { group: '', version: 'v1', resource: 'secrets' },
      { ...secret, metadata: { ...secret.metadata } },
    );
    if (!r.ok) throw new Error(`writing Secret kube-system/${secret.metadata.name}: ${r.error.message}`);
  }
  log.debug('clustermesh secrets published');
}

export function meshEnv(etcd: EtcdHandle, files: MeshFiles): Record<string, unknown> {
  return {
    clustermesh: {
      endpoints: [...etcd.clientUrls],
      caFile: files.caFile,
      admin: files.cert('admin'),
      remote: files.cert('remote'),
    },
  };
}

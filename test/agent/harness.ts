/**
 * Remote clusters for the agent's tests: each a real etcd with TLS and client-cert auth,
 * initialised by etcdinit (users, roles, auth on), filled in Cilium's format with the admin
 * certificate; the agent reads with the `remote` certificate through a config file, as a
 * node would from the mounted `cilium-clustermesh` Secret.
 */
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'vitest';
import { issueClustermeshCerts, writeCertFiles, type CertFiles, type Pem } from '../../certs/index.js';
import { encodeClusterConfig, type ClusterCapabilities } from '../../clustermesh/cluster-config.js';
import { CANARY_PREFIXES, clusterConfigKey, syncCanaryKey, type CanaryKind } from '../../clustermesh/keys.js';
import { etcdInit } from '../../clustermesh-apiserver/etcdinit.js';
import { connectKv } from '../../kvstore/etcd.js';
import type { KvClient } from '../../kvstore/types.js';
import { silentLogger } from '../../lib/log.js';
import type { EtcdHandle } from '../../sandbox/etcd/index.js';
import { startTestEtcd } from '../helpers/etcd.js';
import { must } from '../helpers/kv.js';

export interface RemoteEtcd {
  readonly name: string;
  readonly etcd: EtcdHandle;
  readonly admin: KvClient;
  /** What the agent connects with. */
  readonly remoteFiles: CertFiles;
  put(key: string, value: string): Promise<void>;
  writeClusterConfig(id: number, capabilities?: ClusterCapabilities): Promise<void>;
  writeCanaries(kinds?: readonly CanaryKind[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * @param withAuth false: TLS and client-cert verification only (no etcd users), so one etcd
 *   can hold several clusters' configs for the refusal tests.
 */
export async function startRemoteEtcd(dir: string, ca: Pem, name: string, withAuth = true): Promise<RemoteEtcd> {
  const certs = await issueClustermeshCerts({ ca, clusterName: name, validityDays: 1 });
  const base = join(dir, `remote-${name}`);
  const server = await writeCertFiles(join(base, 'server'), certs.server, ca.certPem);
  const adminFiles = await writeCertFiles(join(base, 'admin'), certs.admin, ca.certPem);
  const remoteFiles = await writeCertFiles(join(base, 'remote'), certs.remote, ca.certPem);
  const etcd = await startTestEtcd(base, { name, tls: { ...server, clientCertAuth: true } });
  if (withAuth) {
    const init = await etcdInit({ endpoints: etcd.clientUrls, ...adminFiles, clusterName: name }, silentLogger);
    if (!init.ok) throw new Error(`etcdinit for ${name}: ${init.error.message}`);
  }
  const admin = connectKv({ endpoints: etcd.clientUrls, tls: adminFiles, callTimeoutMs: 5_000 }, silentLogger);
  const put = async (key: string, value: string): Promise<void> => void must(await admin.put(key, value));
  return {
    name,
    etcd,
    admin,
    remoteFiles,
    put,
    writeClusterConfig: (id, capabilities = { maxConnectedClusters: 255 }) =>
      put(clusterConfigKey(name), encodeClusterConfig({ id, capabilities })),
    async writeCanaries(kinds = Object.keys(CANARY_PREFIXES) as CanaryKind[]) {
      for (const k of kinds) await put(syncCanaryKey(name, k), new Date().toISOString());
    },
    close: () => admin.close(),
  };
}

/** One file of the mounted Secret, named after the remote cluster. */
export async function writeRemoteConfig(configDir: string, remote: RemoteEtcd, fileName = remote.name): Promise<void> {
  const f = remote.remoteFiles;
  const yaml = [
    'endpoints:',
    ...remote.etcd.clientUrls.map((u) => `- ${u}`),
    `trusted-ca-file: ${f.caFile}`,
    `key-file: ${f.keyFile}`,
    `cert-file: ${f.certFile}`,
    '',
  ].join('\n');
  await writeFile(join(configDir, fileName), yaml);
}

export async function removeRemoteConfig(configDir: string, name: string): Promise<void> {
  await rm(join(configDir, name), { force: true });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 20_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, `GET ${url}`).toBe(200);
  return (await res.json()) as T;
}

/** Sum of a Prometheus metric's samples whose labels include every given pair. */
export async function metricSum(url: string, name: string, labels: Record<string, string> = {}): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

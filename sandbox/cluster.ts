/**
 * One sandbox cluster: a real etcd and the Kubernetes-API-compatible server as a child process.
 * Later features (clustermesh etcd, clustermesh-apiserver, operator, agents) add their parts
 * here and their fields to env.json through envExtras().
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pem } from '../certs/index.js';
import type { Logger } from '../lib/log.js';
import { probeStatus } from '../lib/net.js';
import { crdDir, meshlbBin } from '../lib/repo.js';
import { pollUntil, superviseChild, type SupervisedChild } from './children.js';
import { startEtcd, type EtcdHandle } from './etcd/process.js';
import type { SandboxPaths } from './files.js';
import { apiServerUrl, type ClusterState } from './plan.js';


export interface ClusterInputs {
  readonly cluster: ClusterState;
  readonly paths: SandboxPaths;
  readonly pki: { readonly ca: Pem; readonly server: Pem };
  readonly token: string;
  readonly logger: Logger;
}

export interface RunningCluster {
  readonly name: string;
  readonly etcd: EtcdHandle;
  readonly apiserver: SupervisedChild;
  envExtras(): Record<string, unknown>;
  stop(): Promise<void>;
}

export async function startSandboxCluster(inputs: ClusterInputs): Promise<RunningCluster> {
  const { cluster, paths, logger } = inputs;
  const dir = paths.cluster(cluster.name);
  await mkdir(dir, { recursive: true });

  const etcd = await startEtcd({
    dataDir: join(dir, 'etcd'),
    name: cluster.name,
    clientPort: cluster.ports.etcdClient,
    peerPort: cluster.ports.etcdPeer,
  });
  if (!etcd.ok) throw new Error(`etcd of ${cluster.name} did not start: ${etcd.error.message}\n${etcd.error.logTail}`);
  const restartEtcdOnCrash = etcd.value.onExit((code, signal, expected) => {
    if (expected) return;
    logger.error('etcd crashed; restarting it with its data', { code, signal, log: etcd.value.logFile });
    void etcd.value.restart().then((r) => {
      if (!r.ok) logger.error('etcd restart failed', { error: r.error.message });
    });
  });

  let apiserver: SupervisedChild;
  try {
    apiserver = await superviseChild(apiServerSpec(inputs, etcd.value.clientUrls, dir), logger);
  } catch (err) {
    restartEtcdOnCrash();
    await etcd.value.stop();
    throw err;
  }

  return {
    name: cluster.name,
    etcd: etcd.value,
    apiserver,
    envExtras: () => ({}),
    stop: async () => {
      await apiserver.stop();
      restartEtcdOnCrash();
      await etcd.value.stop();
    },
  };
}

function apiServerSpec(inputs: ClusterInputs, etcdUrls: readonly string[], dir: string) {
  const { cluster, paths, pki } = inputs;
  const url = apiServerUrl(cluster);
  return {
    name: `apiserver-${cluster.name}`,
    command: process.execPath,
    args: [
      meshlbBin,
      'sandbox',
      'apiserver',
      '--etcd',
      etcdUrls.join(','),
      '--port',
      String(cluster.ports.apiserver),
      '--token-file',
      paths.token,
      '--cert',
      paths.serverCert,
      '--key',
      paths.serverKey,
      '--crd-dir',
      crdDir,
    ],
    logFile: join(dir, 'apiserver.log'),
    waitReady: (signal: AbortSignal) =>
      pollUntil(async () => (await probeStatus(`${url}/readyz`, { ca: pki.ca.certPem })) === 200, signal),
  };
}

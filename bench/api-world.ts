/**
 * A sandbox API server on a fresh etcd for benches that drive controllers through the
 * Kubernetes API (lbipam, egress, l2): a kubeconfig for it and one stop for everything.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { createCA, issueCertificate } from '../certs/index.js';
import { connectKv } from '../kvstore/etcd.js';
import type { KvClient } from '../kvstore/types.js';
import { silentLogger } from '../lib/log.js';
import { crdDir } from '../lib/repo.js';
import { startApiServer } from '../sandbox/apiserver/server.js';
import { startEtcd } from '../sandbox/etcd/index.js';

export interface BenchApi {
  /** Scratch directory of this world, removed by stop(). */
  readonly dir: string;
  readonly kc: KubeConfig;
  /** The API server's storage, for benches that seed objects straight into it. */
  readonly kv: KvClient;
  stop(): Promise<void>;
}

export async function startBenchApi(name: string): Promise<BenchApi> {
  const dir = await mkdtemp(join(tmpdir(), `meshlb-bench-${name}-`));
  const etcd = await startEtcd({ dataDir: join(dir, 'etcd') });
  if (!etcd.ok) throw new Error(etcd.error.message);
  const kv = connectKv({ endpoints: etcd.value.clientUrls, callTimeoutMs: 30_000 }, silentLogger);
  const ca = await createCA({ commonName: 'bench-ca', validityDays: 1 });
  const leaf = await issueCertificate(ca, {
    commonName: 'apiserver',
    ipAddresses: ['127.0.0.1'],
    usages: ['server'],
    validityDays: 1,
  });
  const server = await startApiServer({
    kv,
    tls: { cert: leaf.certPem, key: leaf.keyPem },
    token: 'bench',
    logger: silentLogger,
    crdDir,
  });
  if (!server.ok) throw new Error(server.error);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'b', server: server.value.url, caData: Buffer.from(ca.certPem).toString('base64') }],
    users: [{ name: 'b', token: 'bench' }],
    contexts: [{ name: 'b', cluster: 'b', user: 'b' }],
    currentContext: 'b',
  });
  return {
    dir,
    kc,
    kv,
    async stop() {
      await server.value.stop();
      await kv.close();
      await etcd.value.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

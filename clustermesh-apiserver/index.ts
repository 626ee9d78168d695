/**
 * Composition of the clustermesh-apiserver process: kubeconfig and etcd client in, the
 * Publisher module, and the /healthz /readyz /metrics server. Nothing clever happens here.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { validateClusterId, validateClusterName, type MaxConnectedClusters } from '../clustermesh/cluster.js';
import { loadKubeConfig } from '../k8s/kubeconfig.js';
import { connectKv } from '../kvstore/etcd.js';
import type { KvClient } from '../kvstore/types.js';
import type { Logger } from '../lib/log.js';
import { createRegistry, serveObservability, type ObservabilityServer } from '../lib/observability.js';
import { fail, ok, type Result } from '../lib/result.js';
import type { Registry } from 'prom-client';
import { publisherMetrics } from './metrics.js';
import type { ProjectionOptions } from './options.js';
import { Publisher, type PublisherOptions } from './publisher.js';

export interface ApiserverConfig {
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly clusterName: string;
  readonly clusterId: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
  readonly defaultGlobalNamespace: boolean;
  readonly etcdEndpoints: readonly string[];
  readonly etcdCaFile?: string;
  readonly etcdCertFile?: string;
  readonly etcdKeyFile?: string;
  /** 0 picks a free port; undefined serves nothing. */
  readonly healthPort?: number;
  readonly batchSize?: number;
}

export function projectionOptions(c: ApiserverConfig): Result<ProjectionOptions> {
  const name = validateClusterName(c.clusterName, c.clusterId);
  if (!name.ok) return name;
  const id = validateClusterId(c.clusterId, c.maxConnectedClusters);
  if (!id.ok) return id;
  if (c.clusterId === 0) return fail('--cluster-id must be set (1..max-connected-clusters) for a cluster mesh');
  return ok({
    clusterName: c.clusterName,
    clusterId: c.clusterId,
    maxConnectedClusters: c.maxConnectedClusters,
    defaultGlobalNamespace: c.defaultGlobalNamespace,
  });
}

export interface RunningApiserver {
  readonly publisher: Publisher;
  readonly registry: Registry;
  readonly observability?: ObservabilityServer;
  readonly kv: KvClient;
  stop(): Promise<void>;
}

/**
 * Builds and starts everything. Resolves once serving health (the initial sync continues in
 * the background: `publisher.health().ready` says when it is done).
 */
export async function startApiserver(
  c: ApiserverConfig,
  log: Logger,
  extra: Partial<Omit<PublisherOptions, 'kc' | 'kv' | 'projection' | 'metrics' | 'log'>> & { kc?: KubeConfig } = {},
): Promise<Result<RunningApiserver & { initialSync: Promise<void> }>> {
  const projection = projectionOptions(c);
  if (!projection.ok) return projection;
  let kc = extra.kc;
  if (!kc) {
    const loaded = loadKubeConfig({ kubeconfig: c.kubeconfig, context: c.context });
    if (!loaded.ok) return loaded;
    kc = loaded.value;
  }
  const tls = c.etcdCaFile ? { caFile: c.etcdCaFile, certFile: c.etcdCertFile, keyFile: c.etcdKeyFile } : undefined;
  const kv = connectKv({ endpoints: c.etcdEndpoints, ...(tls ? { tls } : {}), callTimeoutMs: 10_000 }, log.child({ component: 'kvstore' }));
  const registry = createRegistry('clustermesh-apiserver');
  const publisher = new Publisher({ ...extra, kc, kv, projection: projection.value, metrics: publisherMetrics(registry), log, batchSize: c.batchSize ?? extra.batchSize });
  let observability: ObservabilityServer | undefined;
  if (c.healthPort !== undefined) {
    observability = await serveObservability({ port: c.healthPort, registry, reports: () => [publisher.health()] });
    log.info('serving /healthz /readyz /metrics', { url: observability.url });
  }
  const abort = new AbortController();
  const initialSync = publisher.start(abort.signal);
  // Handled here so a failure never becomes an unhandled rejection; callers may still await it.
  initialSync.catch((err: unknown) => log.error('initial sync failed', { err }));
  const stop = async (): Promise<void> => {
    abort.abort();
    await publisher.stop();
    await initialSync.catch(() => undefined);
    await observability?.close();
    await kv.close();
  };
  return ok({ publisher, registry, kv, initialSync, stop, ...(observability ? { observability } : {}) });
}

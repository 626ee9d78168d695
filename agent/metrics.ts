/**
 * The agent's clustermesh metrics, with Cilium's names and labels. Gauges are read from the
 * live remote statuses at scrape time, so they can never disagree with `/v1/clustermesh`.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { InvalidEntry } from '../agent-sync/caches.js';
import type { RemoteClusterStatus } from '../agent-sync/remote-cluster.js';

export interface MetricsSource {
  readonly sourceCluster: string;
  readonly nodeName: string;
  remotes(): readonly RemoteClusterStatus[];
  globalServices(): number;
}

export interface AgentMetrics {
  invalidEntry(target: string, entry: InvalidEntry): void;
}

const SOURCE = ['source_cluster', 'source_node_name'] as const;
const TARGET = [...SOURCE, 'target_cluster'] as const;

type PerRemote = (r: RemoteClusterStatus) => number;

function perRemoteGauge(registry: Registry, src: MetricsSource, name: string, help: string, value: PerRemote): void {
  new Gauge({
    name,
    help,
    labelNames: TARGET,
    registers: [registry],
    collect() {
      // Reset so a removed remote's series disappears instead of freezing at its last value.
      this.reset();
      for (const r of src.remotes()) {
        this.set({ source_cluster: src.sourceCluster, source_node_name: src.nodeName, target_cluster: r.name }, value(r));
      }
    },
  });
}

export function registerAgentMetrics(registry: Registry, src: MetricsSource): AgentMetrics {
  const source = { source_cluster: src.sourceCluster, source_node_name: src.nodeName };
  new Gauge({
    name: 'cilium_clustermesh_global_services',
    help: 'Number of global services in the cluster mesh',
    labelNames: SOURCE,
    registers: [registry],
    collect() {
      this.set(source, src.globalServices());
    },
  });
  new Gauge({
    name: 'cilium_clustermesh_remote_clusters',
    help: 'Number of remote clusters configured',
    labelNames: SOURCE,
    registers: [registry],
    collect() {
      this.set(source, src.remotes().length);
    },
  });
  perRemoteGauge(registry, src, 'cilium_clustermesh_remote_cluster_failures', 'Number of failures connecting to the remote cluster', (r) => r.numFailures);
  perRemoteGauge(registry, src, 'cilium_clustermesh_remote_cluster_nodes', 'Number of nodes of the remote cluster', (r) => r.numNodes);
  perRemoteGauge(
    registry,
    src,
    'cilium_clustermesh_remote_cluster_last_failure_ts',
    'Time of the last failure of the remote cluster, in seconds since the epoch',
    (r) => (r.lastFailure ?? 0) / 1000,
  );
  perRemoteGauge(registry, src, 'cilium_clustermesh_remote_cluster_readiness_status', 'Whether the remote cluster is ready (1) or not (0)', (r) => (r.ready ? 1 : 0));
  const invalid = new Counter({
    name: 'cilium_clustermesh_remote_invalid_entries_total',
    help: 'Entries read from a remote cluster and ignored because they failed validation',
    labelNames: [...TARGET, 'kind', 'reason'],
    registers: [registry],
  });
  return {
    invalidEntry(target, entry) {
      invalid.inc({ ...source, target_cluster: target, kind: entry.kind, reason: entry.reason });
    },
  };
}

/**
 * The apiserver's metrics, with Cilium's kvstore names where Cilium has one. Rejection reasons
 * are free text (they name the offending value), so the metric label is a small fixed class.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type ReasonClass = 'invalid_ip' | 'invalid_annotation' | 'oversized' | 'missing_field' | 'out_of_range' | 'invalid';

/** Pure: the metric label for a rejection reason. */
export function reasonClass(reason: string): ReasonClass {
  if (/annotation/i.test(reason)) return 'invalid_annotation';
  if (/is not an? (IPv[46] )?(IP|address|CIDR|prefix)|not an IP/i.test(reason)) return 'invalid_ip';
  if (/longer than|too long|too many|at most/i.test(reason)) return 'oversized';
  if (/received undefined|received null|is empty|required|missing/i.test(reason)) return 'missing_field';
  if (/outside|out of range/i.test(reason)) return 'out_of_range';
  return 'invalid';
}

export interface PublisherMetrics {
  readonly rejected: Counter<'kind' | 'reason'>;
  readonly kvOps: Histogram<'scope' | 'kind' | 'action' | 'outcome'>;
  readonly initialSync: Gauge<'scope' | 'source' | 'action'>;
  readonly keysWritten: Counter<'op'>;
  readonly fullSyncs: Counter<'outcome'>;
  readonly bootstrapSeconds: Gauge<'source_cluster'>;
  readonly initialSyncPhaseSeconds: Gauge<'phase'>;
  readonly initialSyncKeys: Gauge;
}

export function publisherMetrics(registry: Registry): PublisherMetrics {
  const registers = [registry];
  return {
    rejected: new Counter({
      name: 'cilium_clustermesh_apiserver_rejected_objects_total',
      help: 'Kubernetes objects left out of etcd because they failed validation, by kind and reason class',
      labelNames: ['kind', 'reason'],
      registers,
    }),
    kvOps: new Histogram({
      name: 'cilium_kvstore_operations_duration_seconds',
      help: 'Duration of kvstore operations',
      labelNames: ['scope', 'kind', 'action', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    initialSync: new Gauge({
      name: 'cilium_kvstore_initial_sync_completed',
      help: 'Whether the initial synchronization of a prefix to the kvstore has completed',
      labelNames: ['scope', 'source', 'action'],
      registers,
    }),
    keysWritten: new Counter({
      name: 'cilium_clustermesh_apiserver_kvstore_writes_total',
      help: 'Keys put or deleted in etcd by the apiserver',
      labelNames: ['op'],
      registers,
    }),
    fullSyncs: new Counter({
      name: 'cilium_clustermesh_apiserver_full_syncs_total',
      help: 'Full comparisons of etcd against the cluster (start, after a failed write, periodic)',
      labelNames: ['outcome'],
      registers,
    }),
    bootstrapSeconds: new Gauge({
      name: 'cilium_clustermesh_apiserver_bootstrap_seconds',
      help: 'Duration in seconds to complete the initial synchronization into etcd',
      labelNames: ['source_cluster'],
      registers,
    }),
    // The split of the bootstrap: listing the cluster, then writing etcd (the write rate is
    // initial_sync_keys / the write phase; `npm run bench -- apiserver` reads these).
    initialSyncPhaseSeconds: new Gauge({
      name: 'cilium_clustermesh_apiserver_initial_sync_phase_seconds',
      help: 'Duration of the phases of the initial synchronization: list (informers synced) and write (etcd holds the projection)',
      labelNames: ['phase'],
      registers,
    }),
    initialSyncKeys: new Gauge({
      name: 'cilium_clustermesh_apiserver_initial_sync_keys',
      help: 'Keys under the published prefixes after the initial synchronization',
      registers,
    }),
  };
}

/**
 * The desired service table kept up to date one service at a time. With 50,000 remote
 * services a change to one of them must not recompute the rest, so every input is indexed by
 * the service key it affects and each update recomputes only that key. Pure: no I/O, the
 * adapters feed it informer and watch events and apply the returned changes.
 */
import type { ClusterService } from '../clustermesh/service.js';
import {
  keyOfService,
  serviceKeyOf,
  serviceKeyOfSlice,
  type K8sEndpointSlice,
  type K8sService,
} from './local-service.js';
import { compareTuples, desiredService, type DesiredService, type MergeOptions } from './merge.js';

export interface TableChange {
  readonly key: string;
  /** Undefined when the service was not in the table before. */
  readonly before: DesiredService | undefined;
  /** Undefined when the service left the table. */
  readonly after: DesiredService | undefined;
}

interface Entry {
  readonly service: DesiredService;
  /** Canonical JSON of the service: outputs are sorted, so equal tables give equal strings. */
  readonly fingerprint: string;
}

export class ServiceTable {
  private readonly services = new Map<string, K8sService>();
  private readonly slicesByService = new Map<string, Map<string, K8sEndpointSlice>>();
  private readonly sliceOwner = new Map<string, string>();
  private readonly remotesByService = new Map<string, Map<string, ClusterService>>();
  private readonly remoteKeysByCluster = new Map<string, Set<string>>();
  private readonly desired = new Map<string, Entry>();
  private readonly warningsByService = new Map<string, readonly string[]>();

  constructor(private readonly options: MergeOptions) {}

  upsertService(svc: K8sService): TableChange[] {
    const key = keyOfService(svc);
    if (!key) return [];
    this.services.set(key, svc);
    return this.recompute([key]);
  }

  deleteService(namespace: string, name: string): TableChange[] {
    const key = serviceKeyOf(namespace, name);
    this.services.delete(key);
    return this.recompute([key]);
  }

  upsertEndpointSlice(slice: K8sEndpointSlice): TableChange[] {
    const ns = slice.metadata?.namespace;
    const name = slice.metadata?.name;
    if (!ns || !name) return [];
    const sliceId = serviceKeyOf(ns, name);
    const previousOwner = this.removeSlice(sliceId);
    const key = serviceKeyOfSlice(slice);
    if (key) {
      this.sliceOwner.set(sliceId, key);
      getOrCreate(this.slicesByService, key, () => new Map()).set(sliceId, slice);
    }
    return this.recompute([previousOwner, key]);
  }

  deleteEndpointSlice(namespace: string, name: string): TableChange[] {
    return this.recompute([this.removeSlice(serviceKeyOf(namespace, name))]);
  }

  upsertRemoteService(entry: ClusterService): TableChange[] {
    const key = serviceKeyOf(entry.namespace, entry.name);
    getOrCreate(this.remotesByService, key, () => new Map()).set(entry.cluster, entry);
    getOrCreate(this.remoteKeysByCluster, entry.cluster, () => new Set()).add(key);
    return this.recompute([key]);
  }

  deleteRemoteService(cluster: string, namespace: string, name: string): TableChange[] {
    const key = serviceKeyOf(namespace, name);
    this.forgetRemote(cluster, key);
    this.remoteKeysByCluster.get(cluster)?.delete(key);
    return this.recompute([key]);
  }

  /** Every service of one remote cluster goes: its config was removed, its ID changed, or the cache TTL ran out. */
  dropCluster(cluster: string): TableChange[] {
    const keys = [...(this.remoteKeysByCluster.get(cluster) ?? [])];
    for (const key of keys) this.forgetRemote(cluster, key);
    this.remoteKeysByCluster.delete(cluster);
    return this.recompute(keys);
  }

  get(namespace: string, name: string): DesiredService | undefined {
    return this.desired.get(serviceKeyOf(namespace, name))?.service;
  }

  /** The whole table, sorted by namespace then name, as mergeAll returns it. */
  list(): DesiredService[] {
    return [...this.desired.values()]
      .map((e) => e.service)
      .sort((a, b) => compareTuples([a.namespace, a.name], [b.namespace, b.name]));
  }

  /** Current warnings of every service, sorted as mergeAll sorts them. */
  warnings(): string[] {
    return [...this.warningsByService.values()].flat().sort();
  }

  /** Number of remote entries held for a cluster (for the global-services metric and status). */
  remoteServiceCount(cluster: string): number {
    return this.remoteKeysByCluster.get(cluster)?.size ?? 0;
  }

  private removeSlice(sliceId: string): string | undefined {
    const owner = this.sliceOwner.get(sliceId);
    if (owner === undefined) return undefined;
    this.sliceOwner.delete(sliceId);
    const slices = this.slicesByService.get(owner);
    slices?.delete(sliceId);
    if (slices?.size === 0) this.slicesByService.delete(owner);
    return owner;
  }

  private forgetRemote(cluster: string, key: string): void {
    const byCluster = this.remotesByService.get(key);
    byCluster?.delete(cluster);
    if (byCluster?.size === 0) this.remotesByService.delete(key);
  }

  private recompute(keys: readonly (string | undefined)[]): TableChange[] {
    const changes: TableChange[] = [];
    for (const key of new Set(keys)) {
      if (key === undefined) continue;
      const change = this.recomputeOne(key);
      if (change) changes.push(change);
    }
    return changes;
  }

  private recomputeOne(key: string): TableChange | undefined {
    const before = this.desired.get(key);
    const svc = this.services.get(key);
    const outcome = svc
      ? desiredService(
          {
            service: svc,
            slices: [...(this.slicesByService.get(key)?.values() ?? [])],
            remotes: [...(this.remotesByService.get(key)?.values() ?? [])],
          },
          this.options,
        )
      : { service: undefined, warnings: [] };
    if (outcome.warnings.length > 0) this.warningsByService.set(key, outcome.warnings);
    else this.warningsByService.delete(key);
    const after = outcome.service && {
      service: outcome.service,
      fingerprint: JSON.stringify(outcome.service),
    };
    if (after) this.desired.set(key, after);
    else this.desired.delete(key);
    if (before?.fingerprint === after?.fingerprint) return undefined;
    return { key, before: before?.service, after: after?.service };
  }
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = create();
    map.set(key, value);
  }
  return value;
}

/**
 * The republisher: informers on the cluster in, the pure per-unit projection in the middle,
 * batched etcd writes out. On start (and after any failed write, and periodically) it compares
 * everything it owns in etcd with the full projection and writes the difference; in between,
 * each informer event marks the affected units dirty and a short coalescing delay later only
 * those units are recomputed and only their changed keys written.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import { encodeClusterConfig } from '../clustermesh/cluster-config.js';
import { CANARY_PREFIXES, HEARTBEAT_KEY, clusterConfigKey, syncCanaryKey, type CanaryKind } from '../clustermesh/keys.js';
import { createInformer, type Informer } from '../k8s/informer.js';
import type { CollectionRef } from '../k8s/resource.js';
import { LeasedKeys } from '../kvstore/lease-keeper.js';
import type { KvClient, KvResult, TxnOp } from '../kvstore/types.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport, Module } from '../lib/module.js';
import { KeyState, type KeyRecord } from './desired-state.js';
import { OwnedKeys } from './owned-keys.js';
import { reasonClass, type PublisherMetrics } from './metrics.js';
import type { ProjectionOptions, Rejection } from './options.js';
import { sliceServiceRef } from './project.js';
import { affectedUnits, allUnits, cacheKeyOf, projectUnit, SliceIndex, unitProjectable, type SourceCaches, type SourceKind, type Unit } from './units.js';

export interface PublisherOptions {
  readonly kc: KubeConfig;
  readonly kv: KvClient;
  readonly projection: ProjectionOptions;
  readonly metrics: PublisherMetrics;
  readonly log: Logger;
  /** Ops per etcd transaction (etcd's limit is 128). */
  readonly batchSize?: number;
  /** How long events are collected before their units are written. */
  readonly coalesceMs?: number;
  readonly leaseTtlSeconds?: number;
  readonly heartbeatIntervalMs?: number;
  readonly clusterConfigIntervalMs?: number;
  /** A full comparison against etcd this often, to repair changes made behind our back. */
  readonly resyncIntervalMs?: number;
  readonly retryMaxMs?: number;
}

const sources: readonly { kind: SourceKind; ref: CollectionRef }[] = [
  { kind: 'Namespace', ref: { group: '', version: 'v1', resource: 'namespaces' } },
  { kind: 'Service', ref: { group: '', version: 'v1', resource: 'services' } },
  { kind: 'EndpointSlice', ref: { group: 'discovery.k8s.io', version: 'v1', resource: 'endpointslices' } },
  { kind: 'Node', ref: { group: '', version: 'v1', resource: 'nodes' } },
  { kind: 'CiliumIdentity', ref: { group: 'cilium.io', version: 'v2', resource: 'ciliumidentities' } },
  { kind: 'CiliumEndpoint', ref: { group: 'cilium.io', version: 'v2', resource: 'ciliumendpoints' } },
];

/** Go's time.RFC3339: seconds precision. */
export function rfc3339(d: Date = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

type Obj = { metadata?: { name?: string; namespace?: string } };

/** Units projected per step of a full sync before the writer gets a chance to send. */
const FULL_SYNC_CHUNK = 256;

/** When the phases of the initial sync ended (ms since the epoch), for health details and the bench. */
export interface InitialSyncTiming {
  readonly startedAt: number;
  /** Every informer has delivered its first list. */
  readonly informersSyncedAt: number;
  /** etcd holds the full projection (before cluster config, canaries and heartbeat). */
  readonly writtenAt: number;
  /** Keys under the owned prefixes after the initial sync. */
  readonly keys: number;
}

export class Publisher implements Module {
  private readonly informers = new Map<SourceKind, Informer<Obj>>();
  private readonly sliceIndex = new SliceIndex();
  /** Per key: what the units want and what etcd holds under the owned prefixes. */
  private readonly keys = new KeyState();
  private readonly owned: OwnedKeys;
  private readonly dirty = new Set<Unit>();
  private readonly rejections = new Map<Unit, string>();
  private readonly leased: LeasedKeys;
  private readonly timers: NodeJS.Timeout[] = [];
  private flushTimer: NodeJS.Timeout | undefined;
  private needFullSync = true;
  /**
   * Until the first full sync: units are projected (desired side only) while the informers
   * are still listing, so that once they have synced only the units changed since are
   * projected and the write phase is writing. Every event marks its units dirty, so the
   * projections of units that are not dirty are current.
   */
  private projectingWhileListing = true;
  private listingProjection: NodeJS.Immediate | undefined;
  private pumping: Promise<void> | undefined;
  private again = false;
  private stopped = false;
  private ready = false;
  private lastError: string | undefined;
  private retryDelayMs = 100;
  private timing: InitialSyncTiming | undefined;

  constructor(private readonly opts: PublisherOptions) {
    this.owned = new OwnedKeys(opts.kv, this.keys, opts.metrics, opts.projection.clusterName, opts.batchSize ?? 128);
    this.leased = new LeasedKeys(opts.kv, { ttlSeconds: opts.leaseTtlSeconds ?? 60, log: opts.log.child({ part: 'leased-keys' }) });
    // A lost lease means etcd was unreachable or restarted: what it holds is verified again.
    this.leased.onRenewed(() => this.resyncSoon('lease renewed'));
    for (const { kind, ref } of sources) {
      const on = (obj: Obj | undefined, old: Obj | undefined) => this.onEvent(kind, obj, old);
      this.informers.set(
        kind,
        createInformer<Obj>({
          kc: opts.kc,
          resource: ref,
          name: ref.resource,
          logger: opts.log,
          onAdd: (o) => on(o, undefined),
          onUpdate: (o, old) => on(o, old),
          onDelete: (o) => on(undefined, o),
        }),
      );
    }
  }

  private cache(kind: SourceKind): ReadonlyMap<string, unknown> {
    return this.informers.get(kind)!.cache();
  }

  private caches(): SourceCaches {
    return {
      services: this.cache('Service'),
      endpointSlices: this.cache('EndpointSlice'),
      namespaces: this.cache('Namespace'),
      nodes: this.cache('Node'),
      identities: this.cache('CiliumIdentity'),
      endpoints: this.cache('CiliumEndpoint'),
      slicesByService: this.sliceIndex.byService,
    };
  }

  private onEvent(kind: SourceKind, obj: Obj | undefined, old: Obj | undefined): void {
    if (kind === 'EndpointSlice') {
      const key = cacheKeyOf(obj ?? old);
      if (key !== undefined) this.sliceIndex.set(key, obj ? sliceServiceRef(obj) : undefined);
    }
    for (const unit of affectedUnits(kind, obj, old, this.caches())) this.dirty.add(unit);
    // Before the initial sync, the full comparison covers every event.
    if (this.ready) this.scheduleFlush();
    else if (this.projectingWhileListing) this.listingProjection ??= setImmediate(() => this.projectWhileListing());
  }

  /** Projects, a slice at a time, the dirty units whose informers have all listed. */
  private projectWhileListing(): void {
    this.listingProjection = undefined;
    if (!this.projectingWhileListing || this.stopped) return;
    const synced = (kind: SourceKind) => this.informers.get(kind)!.synced;
    const batch: Unit[] = [];
    for (const unit of this.dirty) {
      if (!unitProjectable(unit, synced)) continue;
      batch.push(unit);
      if (batch.length === 2_000) break;
    }
    for (const unit of batch) this.dirty.delete(unit);
    this.recompute(batch);
    // More may be waiting for an informer still listing: its next event brings this back.
    if (batch.length === 2_000) this.listingProjection = setImmediate(() => this.projectWhileListing());
  }

  private scheduleFlush(delayMs = this.opts.coalesceMs ?? 20): void {
    if (this.flushTimer || this.stopped) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      void this.pump();
    }, delayMs);
  }

  async start(signal: AbortSignal): Promise<void> {
    signal.addEventListener('abort', () => void this.stop(), { once: true });
    const startedAt = Date.now();
    // stop() stops the informers; they are not given the signal (one listener per informer).
    await Promise.all([...this.informers.values()].map((i) => i.start()));
    try {
      await Promise.all([...this.informers.values()].map((i) => i.whenSynced()));
    } catch (err) {
      if (this.stopped) return; // stopped before the first list arrived
      throw err;
    }
    if (this.stopped) return;
    const informersSyncedAt = Date.now();
    this.opts.log.info('informers synced; comparing etcd with the cluster', { ms: informersSyncedAt - startedAt });
    await this.pump();
    while (this.needFullSync && !this.stopped) await this.pump();
    if (this.stopped) return;
    this.timing = { startedAt, informersSyncedAt, writtenAt: Date.now(), keys: this.keys.writtenSize };
    this.recordTiming(this.timing);
    await this.startLeasedKeys();
    if (this.stopped) return;
    this.ready = true;
    for (const kind of Object.keys(CANARY_PREFIXES) as CanaryKind[]) {
      this.opts.metrics.initialSync.set({ scope: CANARY_PREFIXES[kind], source: this.opts.projection.clusterName, action: 'write' }, 1);
    }
    this.opts.log.info('initial sync complete', { keys: this.keys.writtenSize });
    this.every(this.opts.heartbeatIntervalMs ?? 60_000, () => this.leased.set(HEARTBEAT_KEY, rfc3339()));
    this.every(this.opts.clusterConfigIntervalMs ?? 300_000, () => this.putClusterConfig());
    this.every(this.opts.resyncIntervalMs ?? 600_000, async () => {
      this.needFullSync = true;
      await this.pump();
      return { ok: true, value: undefined };
    });
    if (this.dirty.size > 0) this.scheduleFlush(0);
  }

  private recordTiming(t: InitialSyncTiming): void {
    const m = this.opts.metrics;
    m.initialSyncPhaseSeconds.set({ phase: 'list' }, (t.informersSyncedAt - t.startedAt) / 1000);
    m.initialSyncPhaseSeconds.set({ phase: 'write' }, (t.writtenAt - t.informersSyncedAt) / 1000);
    m.initialSyncKeys.set(t.keys);
    m.bootstrapSeconds.set({ source_cluster: this.opts.projection.clusterName }, (t.writtenAt - t.startedAt) / 1000);
  }

  private every(ms: number, run: () => Promise<KvResult<void>>): void {
    const t = setInterval(() => {
      void run().then((r) => {
        if (!r.ok) this.resyncSoon(`periodic etcd write failed: ${r.error.message}`);
      });
    }, ms);
    t.unref();
    this.timers.push(t);
  }

  private resyncSoon(why: string): void {
    if (this.stopped || !this.ready) return;
    this.opts.log.warn('comparing etcd with the cluster again', { why });
    this.needFullSync = true;
    void this.pump();
  }

  private putClusterConfig(): Promise<KvResult<void>> {
    const p = this.opts.projection;
    const value = encodeClusterConfig({
      id: p.clusterId,
      capabilities: { syncedCanaries: true, maxConnectedClusters: p.maxConnectedClusters, serviceExportsEnabled: false },
    });
    return this.leased.set(clusterConfigKey(p.clusterName), value);
  }

  /** Cluster config, then the sync canaries, then the heartbeat: all under one kept lease. */
  private async startLeasedKeys(): Promise<void> {
    const steps: (() => Promise<KvResult<void>>)[] = [
      () => this.leased.start(),
      () => this.putClusterConfig(),
      ...(Object.keys(CANARY_PREFIXES) as CanaryKind[]).map((k) => () => this.leased.set(syncCanaryKey(this.opts.projection.clusterName, k), rfc3339())),
      () => this.leased.set(HEARTBEAT_KEY, rfc3339()),
    ];
    for (const step of steps) {
      for (let delay = 100; !this.stopped; delay = Math.min(delay * 2, this.opts.retryMaxMs ?? 5_000)) {
        const r = await step();
        if (r.ok) break;
        this.lastError = r.error.message;
        this.opts.log.warn('writing cluster config / canaries failed; retrying', { err: r.error.message, delayMs: delay });
        await this.sleep(delay);
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.timers.push(t);
    });
  }

  /** The single writer: a full comparison when needed, else the dirty units; retries with backoff. */
  private pump(): Promise<void> {
    if (this.pumping) {
      this.again = true;
      return this.pumping;
    }
    this.pumping = (async () => {
      do {
        this.again = false;
        const succeeded = this.needFullSync ? await this.fullSync() : await this.flushDirty();
        if (succeeded) {
          this.retryDelayMs = 100;
          this.lastError = undefined;
        } else if (!this.stopped) {
          await this.sleep(this.retryDelayMs);
          this.retryDelayMs = Math.min(this.retryDelayMs * 2, this.opts.retryMaxMs ?? 5_000);
          this.again = true;
        }
      } while (this.again && !this.stopped && (this.needFullSync || this.dirty.size > 0));
    })().finally(() => (this.pumping = undefined));
    return this.pumping;
  }

  private recompute(units: Iterable<Unit>): KeyRecord[] {
    const caches = this.caches();
    const touched: KeyRecord[] = [];
    for (const unit of units) {
      const p = projectUnit(unit, caches, this.opts.projection);
      if (p.rejected.length > 0 || this.rejections.has(unit)) this.report(unit, p.rejected);
      for (const r of this.keys.setUnit(unit, p.entries)) touched.push(r);
    }
    return touched;
  }

  /** Logs and counts a unit's rejections when they change, not on every recomputation. */
  private report(unit: Unit, rejected: readonly Rejection[]): void {
    const signature = rejected.map((r) => `${r.kind}|${r.reason}`).join('\n');
    if ((this.rejections.get(unit) ?? '') === signature) return;
    if (signature === '') this.rejections.delete(unit);
    else this.rejections.set(unit, signature);
    for (const r of rejected) {
      this.opts.metrics.rejected.inc({ kind: r.kind, reason: reasonClass(r.reason) });
      this.opts.log.warn('object rejected; not published', { kind: r.kind, namespace: r.namespace, name: r.name, reason: r.reason });
    }
  }

  private async fullSync(): Promise<boolean> {
    const t0 = Date.now();
    const current = await this.owned.list();
    if (!current.ok) return this.failed('listing etcd', current.error.message);
    // Everything dirty so far is covered by what unitsToProject returns; events during the
    // sync mark their units dirty again and are written afterwards.
    this.keys.resetWritten(current.value);
    const units = this.unitsToProject();
    this.dirty.clear();
    const stats = { listMs: Date.now() - t0, puts: 0, deletes: 0 };
    if (!(await this.writeInChunks(units, stats))) return this.failed('full sync write', this.lastError ?? 'unknown');
    // Left: keys in etcd that no unit produces (objects deleted while this process was away).
    const d = this.keys.diff();
    const rest: TxnOp[] = [...d.deletes.map((key): TxnOp => ({ op: 'delete', key })), ...d.puts.map(([key, value]): TxnOp => ({ op: 'put', key, value }))];
    if (!(await this.apply(rest))) return this.failed('full sync write', this.lastError ?? 'unknown');
    this.needFullSync = false;
    this.opts.metrics.fullSyncs.inc({ outcome: 'success' });
    this.opts.log.info('etcd matches the cluster', {
      keys: this.keys.writtenSize, puts: stats.puts + d.puts.length, deletes: stats.deletes + d.deletes.length, listMs: stats.listMs, totalMs: Date.now() - t0,
    });
    return true;
  }

  /**
   * The first full sync projects only what changed since the projection while listing; later
   * ones (after a failed write, periodic) project every unit again.
   */
  private unitsToProject(): Unit[] {
    if (this.projectingWhileListing) {
      this.projectingWhileListing = false;
      clearImmediate(this.listingProjection);
      return [...this.dirty];
    }
    // Units whose object is gone recompute to nothing, which drops their entries.
    const units = allUnits(this.caches());
    const known = new Set(units);
    for (const unit of [...this.keys.units(), ...this.rejections.keys()]) if (!known.has(unit)) units.push(unit);
    return units;
  }

  /**
   * Projects units a chunk at a time and hands each chunk's writes to a pipeline of etcd
   * transactions that runs while the next chunk is projected.
   */
  private async writeInChunks(units: readonly Unit[], stats: { puts: number; deletes: number }): Promise<boolean> {
    const { writer, finish } = this.owned.pipeline();
    for (let i = 0; i < units.length && !writer.failed; i += FULL_SYNC_CHUNK) {
      const ops = this.keys.opsFor(this.recompute(units.slice(i, i + FULL_SYNC_CHUNK)));
      for (const op of ops) stats[op.op === 'put' ? 'puts' : 'deletes']++;
      writer.push(ops);
      await writer.backpressure();
      // Lets the gRPC stream flush the requests just queued before the next synchronous chunk.
      await new Promise((r) => setImmediate(r));
    }
    const failure = await finish();
    if (failure) this.lastError = failure.message;
    return failure === undefined;
  }

  private async flushDirty(): Promise<boolean> {
    const units = [...this.dirty];
    this.dirty.clear();
    const ops = this.keys.opsFor(this.recompute(units));
    if (await this.apply(ops)) return true;
    return this.failed('incremental write', this.lastError ?? 'unknown');
  }

  private failed(what: string, message: string): boolean {
    // A write may have been partly applied and etcd may have restarted: only a full
    // comparison tells what it holds now.
    this.needFullSync = true;
    this.lastError = `${what}: ${message}`;
    this.opts.metrics.fullSyncs.inc({ outcome: 'failure' });
    this.opts.log.warn('etcd write failed; will compare everything again', { what, err: message, retryMs: this.retryDelayMs });
    return false;
  }

  private async apply(ops: readonly TxnOp[]): Promise<boolean> {
    const r = await this.owned.apply(ops);
    if (!r.ok) this.lastError = r.error.message;
    return r.ok;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    clearTimeout(this.flushTimer);
    clearImmediate(this.listingProjection);
    for (const t of this.timers) clearTimeout(t);
    await Promise.all([...this.informers.values()].map((i) => i.stop()));
    await this.pumping;
    // The lease is not revoked: a successor re-puts the keys, and remote agents keep seeing a
    // synced cluster across a rolling restart. The TTL removes them if no successor comes.
    await this.leased.stop();
  }

  health(): HealthReport {
    const informersHealthy = [...this.informers.values()].every((i) => i.health().healthy);
    return {
      name: 'clustermesh-apiserver',
      healthy: informersHealthy && this.lastError === undefined,
      ready: this.ready,
      ...(this.lastError ? { message: this.lastError } : {}),
      details: { keys: this.keys.writtenSize, dirty: this.dirty.size, rejectedObjects: this.rejections.size },
    };
  }

  initialSyncTiming(): InitialSyncTiming | undefined {
    return this.timing;
  }

  /** For tests and the bench: resolves once nothing is pending and etcd holds the projection. */
  async settled(): Promise<void> {
    for (;;) {
      if (this.flushTimer) await new Promise((r) => setTimeout(r, (this.opts.coalesceMs ?? 20) + 5));
      else if (this.pumping) await this.pumping;
      else if (this.dirty.size > 0 || this.needFullSync) await this.pump();
      else return;
    }
  }
}

/**
 * One remote cluster's connection: the adapter around the pure lifecycle (remote-state.ts).
 * It feeds the state machine events (a periodic tick, dial outcomes, canaries, syncs, failed
 * health checks) and carries out the effects it returns: dial over TLS, watch a prefix,
 * close, revoke services, drain. Cached data outlives a connection; only `drain` forgets it.
 *
 * Each connection is a session; callbacks from an older session (a watch still delivering
 * after a close) are recognised by identity and dropped, so a reconnect never mixes two.
 */
import { decodeClusterConfig, type ClusterConfig } from '../clustermesh/cluster-config.js';
import { isMaxConnectedClusters } from '../clustermesh/cluster.js';
import {
  CANARY_PREFIXES,
  clusterConfigKey,
  IDENTITIES_PREFIX,
  IPCACHE_PREFIX,
  NODES_PREFIX,
  SERVICES_PREFIX,
  SYNCED_PREFIX,
  syncCanaryKey,
  type CanaryKind,
} from '../clustermesh/keys.js';
import { certContentsHash, readCertFiles, watchCertFiles, type CertWatcher } from '../certs/files.js';
import { connectKv } from '../kvstore/etcd.js';
import { syncPrefix, type PrefixSync } from '../kvstore/sync.js';
import type { KvClient } from '../kvstore/types.js';
import type { Logger } from '../lib/log.js';
import { fail, ok, type Result } from '../lib/result.js';
import { RemoteCaches, type ApplyOutcome, type DecodeContext, type EntryKind, type InvalidEntry, type ServiceChange } from './caches.js';
import type { RemoteConfig } from './config-dir.js';
import { checkRemote, type LocalCluster } from './remote-checks.js';
import {
  initialRemoteState,
  remoteStatusView,
  step,
  type Effect,
  type LifecycleOptions,
  type RemoteEvent,
  type RemoteState,
  type RemoteStatusView,
} from './remote-state.js';

/** Where a remote cluster's effects on the rest of the agent go. */
export interface RemoteSink {
  serviceChanges(cluster: string, changes: readonly ServiceChange[]): void;
  /** Every service of the cluster is gone (drain or cache TTL). */
  servicesDropped(cluster: string): void;
  invalidEntry(cluster: string, entry: InvalidEntry): void;
  /** Status changed (phase, counts); for metrics and waiting tests. */
  statusChanged(cluster: string): void;
}

export interface RemoteClusterOptions {
  readonly local: LocalCluster;
  readonly lifecycle: LifecycleOptions;
  /** Cluster IDs accepted by the other remotes, for the duplicate-ID refusal. */
  readonly otherRemoteIds: (self: string) => ReadonlyMap<string, number>;
  readonly sink: RemoteSink;
  readonly log: Logger;
  /** How often the connection is probed; a failed probe is a failure of the remote. */
  readonly healthCheckMs?: number;
  readonly callTimeoutMs?: number;
  /** Attempts at reading the cluster config within one dial (it may be being written). */
  readonly configReadAttempts?: number;
  readonly configReadDelayMs?: number;
  readonly tickMs?: number;
  /** Fallback poll of the certificate files (fs.watch catches most changes). */
  readonly certPollMs?: number;
}

export interface RemoteClusterStatus extends RemoteStatusView {
  readonly configured: true;
  readonly numNodes: number;
  readonly numServices: number;
  readonly numIdentities: number;
  /** ipcache entries, as Cilium's status calls them. */
  readonly numEndpoints: number;
  /** Kinds whose initial sync is complete in the current connection. */
  readonly synced: readonly CanaryKind[];
}

interface Session {
  readonly client: KvClient;
  ctx?: DecodeContext;
  readonly syncs: PrefixSync[];
  health?: NodeJS.Timeout;
}

const WATCH_PREFIX: Record<EntryKind, (cluster: string) => string> = {
  services: (c) => `${SERVICES_PREFIX}${c}/`,
  nodes: (c) => `${NODES_PREFIX}${c}/`,
  identities: () => IDENTITIES_PREFIX,
  ipcache: () => IPCACHE_PREFIX,
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class RemoteCluster {
  private state: RemoteState;
  private readonly caches: RemoteCaches;
  private session: Session | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private closing: Promise<void>[] = [];
  private certWatcher: CertWatcher | undefined;
  private readonly log: Logger;

  constructor(
    private config: RemoteConfig,
    private readonly o: RemoteClusterOptions,
  ) {
    this.state = initialRemoteState(config.cluster, Date.now());
    this.caches = new RemoteCaches(config.cluster);
    this.log = o.log.child({ remote: config.cluster });
  }

  get name(): string {
    return this.config.cluster;
  }

  /** The accepted cluster ID while one is held (also while disconnected). */
  get acceptedId(): number | undefined {
    return this.state.phase === 'removed' ? undefined : this.state.clusterId;
  }

  start(): void {
    this.ticker = setInterval(() => this.dispatch({ type: 'tick' }), this.o.tickMs ?? 100);
    this.dispatch({ type: 'tick' });
    void this.watchCertificates();
  }

  /**
   * Rotated client certificates (same file names, new contents) reconnect the cluster:
   * etcd3 reads them only when the connection is built.
   */
  private async watchCertificates(): Promise<void> {
    this.certWatcher?.close();
    this.certWatcher = undefined;
    const c = this.config;
    if (!c.trustedCaFile || !c.certFile || !c.keyFile) return;
    const files = { caFile: c.trustedCaFile, certFile: c.certFile, keyFile: c.keyFile };
    const { contents } = await readCertFiles(files);
    if (this.config !== c || this.ticker === undefined) return;
    this.certWatcher = watchCertFiles(
      files,
      () => {
        this.log.info('client certificates changed: reconnecting');
        this.dispatch({ type: 'config-changed' });
      },
      { initialHash: contents ? certContentsHash(contents) : undefined, logger: this.log, pollIntervalMs: this.o.certPollMs },
    );
  }

  /** New endpoints or certificates: reconnect with them, keeping the cache. */
  reconfigure(config: RemoteConfig): void {
    this.config = config;
    this.dispatch({ type: 'config-changed' });
    void this.watchCertificates();
  }

  /** The config file is gone: close and drain. */
  async remove(): Promise<void> {
    this.dispatch({ type: 'config-removed' });
    await this.stop();
  }

  /** Agent shutdown: close without draining. */
  async stop(): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    this.certWatcher?.close();
    this.certWatcher = undefined;
    this.closeSession();
    await Promise.all(this.closing);
  }

  status(): RemoteClusterStatus {
    const counts = this.caches.counts();
    return {
      ...remoteStatusView(this.state),
      configured: true,
      numNodes: counts.nodes,
      numServices: counts.services,
      numIdentities: counts.identities,
      numEndpoints: counts.ipcache,
      synced: this.state.synced,
    };
  }

  /** `namespace/name` of every service currently cached from this cluster. */
  serviceKeys(): string[] {
    return [...this.caches.services.values()].map((s) => `${s.namespace}/${s.name}`);
  }

  private dispatch(event: RemoteEvent): void {
    const before = this.state;
    const out = step(this.state, event, { now: Date.now(), random: Math.random(), options: this.o.lifecycle });
    this.state = out.state;
    if (out.ignored && event.type !== 'tick') this.log.debug('lifecycle event ignored', { why: out.ignored });
    if (before.phase !== out.state.phase) {
      this.log.info('remote cluster phase', { from: before.phase, to: out.state.phase, lastError: out.state.lastError });
    }
    for (const effect of out.effects) this.run(effect);
    if (before !== out.state) this.o.sink.statusChanged(this.name);
  }

  private run(effect: Effect): void {
    switch (effect.type) {
      case 'dial':
        void this.dial();
        return;
      case 'close':
        this.closeSession();
        return;
      case 'watch':
        this.watch(effect.kind);
        return;
      case 'schedule':
        // The ticker re-checks the state machine's nextAttemptAt; nothing to arm.
        return;
      case 'revoke-services':
        this.log.warn('cache TTL expired: revoking the services of a disconnected cluster');
        this.caches.revokeServices();
        this.o.sink.servicesDropped(this.name);
        return;
      case 'drain':
        this.log.info('draining all data of the cluster');
        this.caches.drain();
        this.o.sink.servicesDropped(this.name);
        return;
    }
  }

  private openSession(): Result<Session> {
    const c = this.config;
    try {
      const client = connectKv(
        {
          endpoints: c.endpoints,
          tls: c.trustedCaFile ? { caFile: c.trustedCaFile, certFile: c.certFile, keyFile: c.keyFile } : undefined,
          callTimeoutMs: this.o.callTimeoutMs ?? 2_000,
        },
        this.log,
      );
      return ok({ client, syncs: [] });
    } catch (err) {
      // connectKv reads the certificate files right away; a missing file is a failure to retry.
      return fail(`cannot set up the connection: ${(err as Error).message}`);
    }
  }

  private async dial(): Promise<void> {
    const opened = this.openSession();
    if (!opened.ok) {
      this.dispatch({ type: 'failure', error: opened.error });
      return;
    }
    const session = opened.value;
    this.session = session;
    const config = await this.readClusterConfig(session.client);
    if (this.session !== session) return;
    if (!config.ok) {
      if (config.refusal) this.dispatch({ type: 'refused', reason: config.error });
      else this.dispatch({ type: 'failure', error: config.error });
      return;
    }
    const checked = checkRemote(
      { configuredName: this.name, config: config.value },
      this.o.local,
      this.o.otherRemoteIds(this.name),
    );
    if (!checked.ok) {
      this.log.warn('remote cluster refused', { code: checked.error.code, reason: checked.error.reason });
      this.dispatch({ type: 'refused', reason: checked.error.reason });
      return;
    }
    session.ctx = {
      cluster: this.name,
      clusterId: checked.value.id,
      maxConnectedClusters: this.o.local.maxConnectedClusters,
    };
    this.dispatch({ type: 'config-accepted', clusterId: checked.value.id, syncedCanaries: checked.value.syncedCanaries });
    if (this.session !== session) return;
    if (this.state.canariesRequired) this.watchCanaries(session);
    session.health = setInterval(() => void this.probe(session, config.value), this.o.healthCheckMs ?? 1_000);
  }

  /** Bounded retry: the remote apiserver may be writing its config right now. */
  private async readClusterConfig(
    client: KvClient,
  ): Promise<{ ok: true; value: ClusterConfig } | { ok: false; error: string; refusal: boolean }> {
    const attempts = this.o.configReadAttempts ?? 3;
    let last: { ok: false; error: string; refusal: boolean } = { ok: false, error: 'not read', refusal: false };
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await sleep(this.o.configReadDelayMs ?? 200);
      const got = await client.get(clusterConfigKey(this.name));
      if (!got.ok) {
        last = { ok: false, error: `cannot read the cluster config: ${got.error.message}`, refusal: false };
        if (got.error.kind === 'permission_denied' || got.error.kind === 'unauthenticated') return last;
        continue;
      }
      if (!got.value) {
        last = { ok: false, error: 'remote cluster configuration required but not found', refusal: true };
        continue;
      }
      const decoded = this.decodeConfig(got.value.value.toString());
      if (!decoded.ok) return { ok: false, error: `invalid cluster config: ${decoded.error}`, refusal: true };
      return { ok: true, value: decoded.value };
    }
    return last;
  }

  /**
   * Decoded against the remote's own maxConnectedClusters, so that a mismatch reaches
   * checkRemote and is refused with both values named rather than as an unreadable config.
   */
  private decodeConfig(raw: string): Result<ClusterConfig> {
    let advertised: unknown;
    try {
      advertised = (JSON.parse(raw) as { capabilities?: { maxConnectedClusters?: unknown } } | null)?.capabilities
        ?.maxConnectedClusters;
    } catch {
      advertised = undefined;
    }
    return decodeClusterConfig(raw, isMaxConnectedClusters(advertised) ? advertised : this.o.local.maxConnectedClusters);
  }

  /** A failed probe or a changed cluster config ends the session; the lifecycle reconnects. */
  private async probe(session: Session, accepted: ClusterConfig): Promise<void> {
    const got = await session.client.get(clusterConfigKey(this.name));
    if (this.session !== session) return;
    if (!got.ok) {
      this.dispatch({ type: 'failure', error: `remote etcd unreachable: ${got.error.message}` });
      return;
    }
    if (!got.value) return;
    const now = this.decodeConfig(got.value.value.toString());
    const changed =
      !now.ok ||
      now.value.id !== accepted.id ||
      (now.value.capabilities.maxConnectedClusters ?? 0) !== (accepted.capabilities.maxConnectedClusters ?? 0);
    if (changed) this.dispatch({ type: 'failure', error: 'remote cluster config changed; reconnecting' });
  }

  private watchCanaries(session: Session): void {
    const byKey = new Map<string, CanaryKind>(
      (Object.keys(CANARY_PREFIXES) as CanaryKind[]).map((k) => [syncCanaryKey(this.name, k), k]),
    );
    session.syncs.push(
      syncPrefix(
        session.client,
        `${SYNCED_PREFIX}${this.name}/`,
        {
          onUpsert: (entry) => {
            const kind = byKey.get(entry.key);
            if (kind && this.session === session) this.dispatch({ type: 'canary', kind });
          },
          onDelete: () => {},
          onSynced: () => {},
        },
        { log: this.log },
      ),
    );
  }

  private watch(kind: EntryKind): void {
    const session = this.session;
    const ctx = session?.ctx;
    if (!session || !ctx) return;
    this.caches.beginSession(kind);
    const apply = (out: ApplyOutcome): void => {
      if (out.invalid) this.o.sink.invalidEntry(this.name, out.invalid);
      if (out.services.length > 0) this.o.sink.serviceChanges(this.name, out.services);
    };
    const sync = syncPrefix(
      session.client,
      WATCH_PREFIX[kind](this.name),
      {
        onUpsert: (entry) => {
          if (this.session === session) apply(this.caches.upsert(kind, entry.key, entry.value.toString(), ctx));
        },
        onDelete: (key) => {
          if (this.session === session) apply(this.caches.remove(kind, key));
        },
        onSynced: () => {
          if (this.session !== session) return;
          apply(this.caches.endInitialSync(kind));
          this.dispatch({ type: 'synced', kind });
        },
      },
      { log: this.log, maxBackoffMs: 2_000 },
    );
    session.syncs.push(sync);
  }

  private closeSession(): void {
    const session = this.session;
    if (!session) return;
    this.session = undefined;
    clearInterval(session.health);
    const done = (async () => {
      await Promise.all(session.syncs.map((s) => s.stop()));
      await session.client.close();
    })().catch((err: unknown) => this.log.warn('closing the connection failed', { err }));
    this.closing.push(done);
    void done.then(() => (this.closing = this.closing.filter((p) => p !== done)));
  }
}

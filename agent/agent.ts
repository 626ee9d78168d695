/**
 * `meshlb agent` composition: the local informers and the remote clusters both write into one
 * service table; every change is published to subscribers (the datapath, later) with the
 * keys it touched; the status listener serves /v1/clustermesh, /v1/services and the usual
 * /healthz, /readyz, /metrics.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type express from 'express';
import type { Registry } from 'prom-client';
import type { InvalidEntry, ServiceChange } from '../agent-sync/caches.js';
import type { RejectedFile } from '../agent-sync/config-dir.js';
import { toServiceStatus, type DesiredService, type ServiceStatus } from '../agent-sync/merge.js';
import type { RemoteClusterStatus } from '../agent-sync/remote-cluster.js';
import { RemoteManager } from '../agent-sync/remote-manager.js';
import { DEFAULT_LIFECYCLE, type LifecycleOptions } from '../agent-sync/remote-state.js';
import { ServiceTable, type TableChange } from '../agent-sync/service-table.js';
import { validateClusterId, validateClusterName, type MaxConnectedClusters } from '../clustermesh/cluster.js';
import { createLogger, type Logger } from '../lib/log.js';
import type { HealthReport } from '../lib/module.js';
import { createRegistry, serveObservability, type ObservabilityServer } from '../lib/observability.js';
import { fail, ok, type Result } from '../lib/result.js';
import { createLocalServices, type LocalServices } from './local-services.js';
import { registerAgentMetrics, type AgentMetrics } from './metrics.js';
import { statusRoutes } from './status-api.js';

export interface AgentOptions {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  readonly clusterName: string;
  readonly clusterId: number;
  readonly maxConnectedClusters: MaxConnectedClusters;
  /** The mounted `cilium-clustermesh` Secret; no remotes when absent. */
  readonly clustermeshConfigDir?: string;
  /** Revoke a disconnected cluster's services after this long; 0 or absent: never. */
  readonly cacheTtlMs?: number;
  /** 0 picks a free port; always on 127.0.0.1. */
  readonly statusPort: number;
  readonly lifecycle?: Partial<Omit<LifecycleOptions, 'cacheTtlMs'>>;
  readonly healthCheckMs?: number;
  readonly configPollMs?: number;
  readonly log?: Logger;
  readonly registry?: Registry;
  /**
   * Modules composed around the agent later (the datapath) that /healthz and /readyz must
   * include: until one is added with `addHealth`, it reports not ready, so readiness never
   * flips true before they exist.
   */
  readonly expectedModules?: readonly string[];
}

export interface ClustermeshStatus {
  readonly node: string;
  readonly cluster: { readonly name: string; readonly id: number };
  readonly globalServices: number;
  readonly clusters: readonly (Omit<RemoteClusterStatus, 'lastFailure'> & {
    readonly lastFailure?: string;
  })[];
  readonly rejectedConfigs: readonly RejectedFile[];
}

/** Keys (`namespace/name`) of the services whose desired entry changed. */
export type TableListener = (keys: readonly string[], changes: readonly TableChange[]) => void;

export interface Agent {
  readonly statusUrl: string;
  onTableChange(listener: TableListener): () => void;
  services(): DesiredService[];
  serviceStatus(): ServiceStatus[];
  clustermeshStatus(): ClustermeshStatus;
  health(): HealthReport[];
  /** Includes a module's report in /healthz and /readyz (named as in `expectedModules`). */
  addHealth(name: string, report: () => HealthReport): void;
  /** Mounts a module's status routes (e.g. /v1/bgp/peers) on the status API. */
  addRoutes(routes: (app: express.Express) => void): void;
  /** The process's one Prometheus registry, for modules' metrics. */
  readonly registry: Registry;
  stop(): Promise<void>;
}

function validateIdentity(o: AgentOptions): Result<void> {
  const name = validateClusterName(o.clusterName, o.clusterId);
  if (!name.ok) return fail(`--cluster-name: ${name.error}`);
  const id = validateClusterId(o.clusterId, o.maxConnectedClusters);
  if (!id.ok) return fail(`--cluster-id: ${id.error}`);
  if (o.nodeName === '') return fail('--node-name is required');
  return ok(undefined);
}

class AgentImpl {
  readonly table: ServiceTable;
  readonly remotes: RemoteManager | undefined;
  readonly local: LocalServices;
  readonly metrics: AgentMetrics;
  private readonly listeners = new Set<TableListener>();
  private readonly extraHealth = new Map<string, (() => HealthReport) | undefined>();
  private server: ObservabilityServer | undefined;

  constructor(
    private readonly o: AgentOptions,
    private readonly log: Logger,
    readonly registry: Registry,
  ) {
    this.table = new ServiceTable({ localClusterId: o.clusterId });
    for (const name of o.expectedModules ?? []) this.extraHealth.set(name, undefined);
    this.metrics = registerAgentMetrics(registry, {
      sourceCluster: o.clusterName,
      nodeName: o.nodeName,
      remotes: () => this.remoteStatuses(),
      globalServices: () => this.globalServiceCount(),
    });
    this.local = createLocalServices({
      kc: o.kc,
      table: this.table,
      publish: (c) => this.publish(c),
      log: log.child({ component: 'local-services' }),
    });
    this.remotes =
      o.clustermeshConfigDir === undefined ? undefined : this.createRemotes(o.clustermeshConfigDir);
  }

  private createRemotes(dir: string): RemoteManager {
    return new RemoteManager({
      dir,
      pollIntervalMs: this.o.configPollMs,
      log: this.log.child({ component: 'clustermesh-config' }),
      remote: {
        local: {
          name: this.o.clusterName,
          id: this.o.clusterId,
          maxConnectedClusters: this.o.maxConnectedClusters,
        },
        lifecycle: { ...DEFAULT_LIFECYCLE, ...this.o.lifecycle, cacheTtlMs: this.o.cacheTtlMs },
        healthCheckMs: this.o.healthCheckMs,
        log: this.log.child({ component: 'remote-cluster' }),
        sink: {
          serviceChanges: (cluster, changes) => this.applyRemote(cluster, changes),
          servicesDropped: (cluster) => this.publish(this.table.dropCluster(cluster)),
          invalidEntry: (cluster, entry) => this.rejectEntry(cluster, entry),
          statusChanged: () => {},
        },
      },
    });
  }

  async start(): Promise<void> {
    this.local.start();
    await this.remotes?.start();
    this.server = await serveObservability({
      host: '127.0.0.1',
      port: this.o.statusPort,
      registry: this.registry,
      reports: () => this.health(),
      extend: statusRoutes({
        clustermesh: () => this.clustermeshStatus(),
        services: () => this.serviceStatus(),
      }),
    });
  }

  get statusUrl(): string {
    if (!this.server) throw new Error('agent status server not started');
    return this.server.url;
  }

  onTableChange(listener: TableListener): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  private publish(changes: readonly TableChange[]): void {
    if (changes.length === 0) return;
    const keys = changes.map((c) => c.key);
    for (const l of this.listeners) {
      try {
        l(keys, changes);
      } catch (err) {
        // A subscriber's bug must not stop the table from being maintained.
        this.log.error('service table listener threw', { err });
      }
    }
  }

  private applyRemote(cluster: string, changes: readonly ServiceChange[]): void {
    const out: TableChange[] = [];
    for (const c of changes) {
      if (c.type === 'upsert') out.push(...this.table.upsertRemoteService(c.service));
      else out.push(...this.table.deleteRemoteService(cluster, c.namespace, c.name));
    }
    this.publish(out);
  }

  private rejectEntry(cluster: string, entry: InvalidEntry): void {
    this.metrics.invalidEntry(cluster, entry);
    this.log.warn('ignoring invalid entry from remote cluster', {
      remote: cluster,
      kind: entry.kind,
      key: entry.key,
      reason: entry.reason,
      err: entry.message,
    });
  }

  remoteStatuses(): RemoteClusterStatus[] {
    return (this.remotes?.list() ?? []).map((r) => r.status());
  }

  private globalServiceCount(): number {
    const keys = new Set<string>();
    for (const r of this.remotes?.list() ?? []) for (const k of r.serviceKeys()) keys.add(k);
    return keys.size;
  }

  clustermeshStatus(): ClustermeshStatus {
    return {
      node: this.o.nodeName,
      cluster: { name: this.o.clusterName, id: this.o.clusterId },
      globalServices: this.globalServiceCount(),
      clusters: this.remoteStatuses().map((s) => ({
        ...s,
        lastFailure: s.lastFailure === undefined ? undefined : new Date(s.lastFailure).toISOString(),
      })),
      rejectedConfigs: this.remotes?.rejected() ?? [],
    };
  }

  serviceStatus(): ServiceStatus[] {
    return this.table.list().map(toServiceStatus);
  }

  addHealth(name: string, report: () => HealthReport): void {
    this.extraHealth.set(name, report);
  }

  addRoutes(routes: (app: express.Express) => void): void {
    if (!this.server) throw new Error('agent status server not started');
    this.server.extend(routes);
  }

  private extraReports(): HealthReport[] {
    return [...this.extraHealth].map(
      ([name, report]) => report?.() ?? { name, healthy: true, ready: false, message: 'not started yet' },
    );
  }

  health(): HealthReport[] {
    const remotes = this.remoteStatuses();
    return [
      this.local.health(),
      {
        // Remote clusters never hold the node's readiness back: a dead cluster must not take
        // down the local datapath. Their state is in /v1/clustermesh.
        name: 'clustermesh',
        healthy: true,
        ready: this.remotes?.initialScanDone ?? true,
        message: `${remotes.filter((r) => r.ready).length}/${remotes.length} remote clusters ready`,
      },
      ...this.extraReports(),
    ];
  }

  async stop(): Promise<void> {
    await this.server?.close();
    await this.remotes?.stop();
    await this.local.stop();
    this.listeners.clear();
  }
}

export async function startAgent(o: AgentOptions): Promise<Result<Agent>> {
  const valid = validateIdentity(o);
  if (!valid.ok) return valid;
  const log = (o.log ?? createLogger({ component: 'agent' })).child({ node: o.nodeName });
  const agent = new AgentImpl(o, log, o.registry ?? createRegistry('agent'));
  try {
    await agent.start();
  } catch (err) {
    await agent.stop();
    return fail(`agent did not start: ${(err as Error).message}`);
  }
  log.info('agent started', { cluster: o.clusterName, clusterId: o.clusterId, status: agent.statusUrl });
  return ok({
    get statusUrl() {
      return agent.statusUrl;
    },
    onTableChange: (l) => agent.onTableChange(l),
    services: () => agent.table.list(),
    serviceStatus: () => agent.serviceStatus(),
    clustermeshStatus: () => agent.clustermeshStatus(),
    health: () => agent.health(),
    addHealth: (name, report) => agent.addHealth(name, report),
    addRoutes: (routes) => agent.addRoutes(routes),
    registry: agent.registry,
    stop: () => agent.stop(),
  });
}

/**
 * The status page's model: one snapshot of every cluster, taken by collect.ts and turned into
 * plain rows here. Pure: no I/O, no clock (the caller stamps the time).
 */
import type { AgentServiceView, ClustermeshView, PoolObject, Row } from './sources.js';

/** An answer from one source; `absent` means the feature is not running (the path 404s). */
export type Fetched<T> = { readonly state: 'ok'; readonly value: T } | { readonly state: 'absent' } | { readonly state: 'error'; readonly error: string };

export interface AgentSnapshot {
  readonly node: string;
  readonly url: string;
  readonly mesh: Fetched<ClustermeshView>;
  readonly services: Fetched<readonly AgentServiceView[]>;
  readonly bgpPeers: Fetched<readonly Row[]>;
  readonly l2: Fetched<readonly Row[]>;
}

export interface LbService {
  readonly namespace: string;
  readonly name: string;
  readonly ips: readonly string[];
}

export interface ClusterSnapshot {
  readonly name: string;
  readonly id: number;
  readonly agents: readonly AgentSnapshot[];
  readonly pools: Fetched<readonly PoolObject[]>;
  readonly lbServices: Fetched<readonly LbService[]>;
}

export interface Snapshot {
  readonly takenAt: string;
  readonly clusters: readonly ClusterSnapshot[];
}

export interface PoolUsage {
  readonly cluster: string;
  readonly name: string;
  readonly blocks: string;
  readonly used: string;
  readonly available: string;
  readonly conflicting: boolean;
  readonly disabled: boolean;
  /** LoadBalancer services of the cluster holding an IP: pools do not name their users. */
  readonly services: readonly string[];
}

function conditionMessage(pool: PoolObject, type: string): string {
  return pool.status?.conditions?.find((c) => c.type === type)?.message ?? '?';
}

export function poolUsage(cluster: ClusterSnapshot): PoolUsage[] {
  if (cluster.pools.state !== 'ok') return [];
  const services = cluster.lbServices.state === 'ok' ? cluster.lbServices.value.filter((s) => s.ips.length > 0) : [];
  return cluster.pools.value.map((p) => ({
    cluster: cluster.name,
    name: p.metadata.name,
    blocks: (p.spec?.blocks ?? []).map((b) => b.cidr ?? `${b.start ?? '?'}-${b.stop ?? b.start ?? '?'}`).join(', '),
    used: conditionMessage(p, 'cilium.io/IPsUsed'),
    available: conditionMessage(p, 'cilium.io/IPsAvailable'),
    conflicting: p.status?.conditions?.some((c) => c.type === 'cilium.io/PoolConflict' && c.status === 'True') ?? false,
    disabled: p.spec?.disabled ?? false,
    services: services.map((s) => `${s.namespace}/${s.name} ${s.ips.join(',')}`),
  }));
}

export interface MeshLink {
  readonly from: string;
  readonly node: string;
  readonly to: string;
  readonly connected: boolean;
  readonly ready: boolean;
  readonly services: number | undefined;
  readonly problem: string | undefined;
}

export function meshLinks(snapshot: Snapshot): MeshLink[] {
  return snapshot.clusters.flatMap((c) =>
    c.agents.flatMap((a) =>
      a.mesh.state === 'ok'
        ? a.mesh.value.clusters.map((r) => ({
            from: c.name,
            node: a.node,
            to: r.name,
            connected: r.connected,
            ready: r.ready,
            services: r.numServices,
            problem: r.lastFailure,
          }))
        : [],
    ),
  );
}

export interface BackendView {
  readonly address: string;
  readonly inUse: boolean;
}

export interface GlobalServiceView {
  /** The cluster whose agent reports the merged entry. */
  readonly cluster: string;
  readonly node: string;
  readonly service: string;
  /** Cluster name → its backends as this agent sees them. */
  readonly backends: ReadonlyMap<string, readonly BackendView[]>;
}

/**
 * Services whose merged entry holds a backend of another cluster: the only sign a node has of
 * a service being global. Backends are grouped by cluster so affinity (inUse) is visible.
 */
export function globalServices(snapshot: Snapshot): GlobalServiceView[] {
  const names = new Map(snapshot.clusters.map((c) => [c.id, c.name]));
  const out: GlobalServiceView[] = [];
  for (const c of snapshot.clusters) {
    for (const a of c.agents) {
      if (a.services.state !== 'ok') continue;
      for (const s of a.services.value) {
        if (!s.backends.some((b) => b.clusterID !== c.id)) continue;
        const backends = new Map<string, BackendView[]>();
        for (const b of [...s.backends].sort((x, y) => x.clusterID - y.clusterID || x.address.localeCompare(y.address))) {
          const name = names.get(b.clusterID) ?? `cluster ${b.clusterID}`;
          const list = backends.get(name) ?? [];
          if (!list.some((x) => x.address === b.address)) list.push({ address: b.address, inUse: b.inUse });
          backends.set(name, list);
        }
        out.push({ cluster: c.name, node: a.node, service: `${s.namespace}/${s.name}`, backends });
      }
    }
  }
  return out.sort((x, y) => x.service.localeCompare(y.service) || x.cluster.localeCompare(y.cluster));
}

export interface FeatureRows {
  readonly cluster: string;
  readonly node: string;
  readonly rows: Fetched<readonly Row[]>;
}

export function featureRows(snapshot: Snapshot, pick: (a: AgentSnapshot) => Fetched<readonly Row[]>): FeatureRows[] {
  return snapshot.clusters.flatMap((c) => c.agents.map((a) => ({ cluster: c.name, node: a.node, rows: pick(a) })));
}

/** Every agent reached every other cluster: what the demo waits for before printing. */
export function meshConnected(snapshot: Snapshot): boolean {
  const n = snapshot.clusters.length;
  return snapshot.clusters.every((c) =>
    c.agents.length > 0 &&
    c.agents.every(
      (a) => a.mesh.state === 'ok' && a.mesh.value.clusters.length === n - 1 && a.mesh.value.clusters.every((r) => r.connected && r.ready),
    ),
  );
}

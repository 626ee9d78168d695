/**
 * `meshlb clustermesh status`: one report per agent (from its status API) summarised the way
 * Cilium's CLI does, then printed as text or JSON. Wording follows cilium-cli:
 *   ✅ All N nodes are connected to all clusters [min:x / avg:y / max:z]
 *   ⚠️  M/N nodes are not connected to all clusters [min:x / avg:y / max:z]
 *   🔌 Cluster Connections:
 *     - <cluster>: a/N configured, b/N connected
 *   🔀 Global services: [ min:x / avg:y / max:z ]
 *   ❌ K Errors:
 *     ❌ <node> is not connected to cluster <cluster>: <reason>
 * As in Cilium, a remote counts as connected only once it is ready (fully synced).
 */
import { compareTuples } from './merge.js';

export interface AgentClusterStatus {
  readonly name: string;
  readonly connected: boolean;
  readonly ready: boolean;
  readonly clusterID: number;
  readonly numFailures?: number;
  readonly numNodes?: number;
  readonly numServices?: number;
  readonly numIdentities?: number;
  readonly numEndpoints?: number;
  /** Refusal reason or last connection error. */
  readonly lastError?: string;
  /** Lifecycle phase, used when there is no error to explain why a remote is not ready. */
  readonly phase?: string;
}

export type AgentReport =
  | {
      readonly node: string;
      readonly reachable: true;
      readonly globalServices: number;
      readonly clusters: readonly AgentClusterStatus[];
    }
  | { readonly node: string; readonly reachable: false; readonly error: string };

export interface Stat {
  readonly min: number;
  readonly avg: number;
  readonly max: number;
}

export interface MeshStatus {
  readonly nodes: number;
  readonly notReady: number;
  /** Per node: how many remotes it is connected to. */
  readonly connected: Stat;
  readonly globalServices: Stat;
  readonly clusters: readonly {
    readonly name: string;
    readonly configured: number;
    readonly connected: number;
  }[];
  readonly errors: readonly { readonly node: string; readonly cluster?: string; readonly error: string }[];
  /** What `--wait` waits for: at least one node, and every node connected to every remote it knows. */
  readonly allConnected: boolean;
}

function stat(values: readonly number[]): Stat {
  if (values.length === 0) return { min: 0, avg: 0, max: 0 };
  const sum = values.reduce((a, b) => a + b, 0);
  return { min: Math.min(...values), avg: sum / values.length, max: Math.max(...values) };
}

function notReadyReason(c: AgentClusterStatus): string {
  if (c.lastError) return `cluster is not ready: ${c.lastError}`;
  return `cluster is not ready: ${c.connected ? 'waiting for initial sync' : (c.phase ?? 'not connected')}`;
}

export function summarize(reports: readonly AgentReport[]): MeshStatus {
  const clusters = new Map<string, { configured: number; connected: number }>();
  const errors: { node: string; cluster?: string; error: string }[] = [];
  const connectedPerNode: number[] = [];
  const servicesPerNode: number[] = [];
  let notReady = 0;
  for (const r of reports) {
    if (!r.reachable) {
      notReady++;
      connectedPerNode.push(0);
      errors.push({ node: r.node, error: `status unavailable: ${r.error}` });
      continue;
    }
    servicesPerNode.push(r.globalServices);
    let ready = 0;
    for (const c of r.clusters) {
      const entry = clusters.get(c.name) ?? { configured: 0, connected: 0 };
      entry.configured++;
      if (c.ready) {
        entry.connected++;
        ready++;
      } else {
        errors.push({ node: r.node, cluster: c.name, error: notReadyReason(c) });
      }
      clusters.set(c.name, entry);
    }
    if (ready !== r.clusters.length) notReady++;
    connectedPerNode.push(ready);
  }
  errors.sort((a, b) =>
    compareTuples([a.node, a.cluster ?? '', a.error], [b.node, b.cluster ?? '', b.error]),
  );
  return {
    nodes: reports.length,
    notReady,
    connected: stat(connectedPerNode),
    globalServices: stat(servicesPerNode),
    clusters: [...clusters.entries()]
      .sort(([a], [b]) => compareTuples([a], [b]))
      .map(([name, s]) => ({ name, configured: s.configured, connected: s.connected })),
    errors,
    allConnected: reports.length > 0 && notReady === 0,
  };
}

/** Go's %.1f. */
function oneDecimal(n: number): string {
  return n.toFixed(1);
}

export function formatStatusText(s: MeshStatus): string {
  const range = (x: Stat) => `min:${x.min} / avg:${oneDecimal(x.avg)} / max:${x.max}`;
  const lines: string[] = [];
  if (s.notReady > 0) {
    lines.push(
      `⚠️  ${s.notReady}/${s.nodes} nodes are not connected to all clusters [${range(s.connected)}]`,
    );
  } else {
    lines.push(`✅ All ${s.nodes} nodes are connected to all clusters [${range(s.connected)}]`);
  }
  lines.push('🔌 Cluster Connections:');
  for (const c of s.clusters) {
    lines.push(`  - ${c.name}: ${c.configured}/${s.nodes} configured, ${c.connected}/${s.nodes} connected`);
  }
  lines.push(`🔀 Global services: [ ${range(s.globalServices)} ]`);
  if (s.errors.length > 0) {
    lines.push(`❌ ${s.errors.length} Errors:`);
    for (const e of s.errors) {
      lines.push(
        e.cluster === undefined
          ? `  ❌ ${e.node}: ${e.error}`
          : `  ❌ ${e.node} is not connected to cluster ${e.cluster}: ${e.error}`,
      );
    }
  }
  return lines.join('\n') + '\n';
}

/** `-o json`: the same data as the text, with the averages unrounded. */
export function formatStatusJson(s: MeshStatus): string {
  return JSON.stringify(s, null, 2) + '\n';
}

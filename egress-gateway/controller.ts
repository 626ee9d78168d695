/**
 * The egress gateway on one node: informer snapshots in, `cilium_egress_gw_policy_v4` out.
 * Events are coalesced (debounced) into rounds; each round runs the pure `decide` and the map
 * writer applies only the difference from what it last wrote. The node's own interfaces are
 * read here, on the node, for the egress IP.
 */
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import type { BpfMap, MapBackend } from '../datapath/maps.js';
import { createReconcileLoop, type RunResult } from '../k8s/reconcile-loop.js';
import type { Logger } from '../lib/log.js';
import type { HealthReport, Module } from '../lib/module.js';
import { fail, ok, type Result } from '../lib/result.js';
import { decide, type DesiredEntry, type Inputs, type Outcome } from './desired.js';
import type { EgressNode } from './gateway.js';
import { readHostNetwork, type HostNetwork } from './host.js';
import { createEgressMapWriter, openEgressMap, type EgressMapWriter } from './map.js';
import { egressMetrics, type EgressMetrics } from './metrics.js';
import type { EgressPolicy } from './policy.js';
import { createEgressSources, type SourceSnapshot } from './sources.js';

export interface EgressAgentOptions {
  readonly kc: KubeConfig;
  readonly nodeName: string;
  readonly backend: MapBackend;
  /** Capacity of the policy map (Cilium's --egress-gateway-policy-map-max). */
  readonly mapMaxEntries: number;
  readonly log: Logger;
  readonly registry: Registry;
  /** This node's interfaces and default route; the running host unless a test says otherwise. */
  readonly host?: () => HostNetwork;
  readonly debounceMs?: number;
  /** Re-runs a round this often so address changes on the node's interfaces are picked up. */
  readonly resyncMs?: number;
}

export interface PolicyView {
  readonly name: string;
  readonly valid: boolean;
  /** Why the spec was rejected (valid: false). */
  readonly errors: readonly string[];
  readonly gateways: readonly string[];
  readonly selectedPods: number;
  readonly shadowedEntries: number;
  /** Problems seen from this node, e.g. an egress IP missing on it while it is the gateway. */
  readonly problems: readonly string[];
}

export interface EgressAgent extends Module {
  /** The map's entries as this node wrote them. */
  entries(): readonly DesiredEntry[];
  policies(): readonly PolicyView[];
}

function inputsFrom(snap: SourceSnapshot, nodeName: string, host: HostNetwork): Inputs {
  const valid: EgressPolicy[] = [];
  for (const p of snap.policies.values()) if (p.ok) valid.push(p.value);
  const nodes: EgressNode[] = [...snap.nodes.values()].map((n) => (n.name === nodeName ? { ...n, ...host } : n));
  return { localNode: nodeName, policies: valid, pods: [...snap.pods.values()], namespaces: [...snap.namespaces.values()], nodes };
}

function viewsOf(snap: SourceSnapshot, out: Outcome | undefined): PolicyView[] {
  return [...snap.policies].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([name, p]) => {
    const s = out?.policies.get(name);
    return {
      name,
      valid: p.ok,
      errors: p.ok ? [] : p.error.errors,
      gateways: s?.gateways ?? [],
      selectedPods: s?.selectedPods ?? 0,
      shadowedEntries: s?.shadowedEntries ?? 0,
      problems: s?.problems ?? [],
    };
  });
}

export function createEgressAgent(o: EgressAgentOptions): EgressAgent {
  const log = o.log;
  const metrics: EgressMetrics = egressMetrics(o.registry);
  const host = o.host ?? readHostNetwork;
  let reported = new Set<string>();
  let stopped = true;
  let resync: NodeJS.Timeout | undefined;
  let writer: EgressMapWriter | undefined;
  let lastOutcome: Outcome | undefined;
  /** Rounds that wrote the map; the node is ready after the first. */
  let rounds = 0;

  /** Logged and counted once while a problem lasts, not on every round. */
  const noteOnce = (current: Set<string>, key: string, kind: string, msg: string, fields: Record<string, unknown>): void => {
    current.add(key);
    if (reported.has(key)) return;
    log.warn(msg, fields);
    metrics.rejected.inc({ kind });
  };

  const sources = createEgressSources({
    kc: o.kc,
    log,
    changed: () => loop.kick(),
    rejected: (kind, key, reason) => {
      log.warn('egress gateway ignores an object that does not validate', { kind, object: key, reason });
      metrics.rejected.inc({ kind });
    },
  });

  const report = (snap: SourceSnapshot, out: Outcome): void => {
    const current = new Set<string>();
    let valid = 0;
    for (const [name, p] of snap.policies) {
      if (p.ok) valid++;
      else noteOnce(current, `invalid|${name}|${p.error.errors.join()}`, 'policy', 'egress gateway policy rejected', { policy: name, reason: p.error.reason, errors: p.error.errors.join('; ') });
    }
    for (const [name, s] of out.policies) {
      for (const problem of s.problems) {
        current.add(`problem|${name}|${problem}`);
        if (!reported.has(`problem|${name}|${problem}`)) log.warn('egress gateway policy cannot be fully applied on this node', { policy: name, problem });
      }
    }
    reported = current;
    metrics.policies.set({ valid: 'true' }, valid);
    metrics.policies.set({ valid: 'false' }, snap.policies.size - valid);
  };

  const openWriter = async (): Promise<Result<EgressMapWriter>> => {
    const map = await openEgressMap(o.backend, o.mapMaxEntries);
    if (!map.ok) {
      log.error('egress policy map cannot be opened', { err: map.error.message, kind: map.error.kind });
      return fail(`cannot open the egress policy map: ${map.error.message}`, true);
    }
    return ok(createEgressMapWriter(map.value as BpfMap));
  };

  const run = async (): Promise<RunResult> => {
    const opened = writer ? ok(writer) : await openWriter();
    if (opened.ok) writer = opened.value;
    const snap = sources.snapshot();
    const out = decide(inputsFrom(snap, o.nodeName, host()));
    report(snap, out);
    lastOutcome = out;
    if (!opened.ok) return opened;
    const synced = await opened.value.sync(out.entries);
    if (!synced.ok) {
      log.error('egress policy map write failed, retrying', { kind: synced.error.kind, err: synced.error.message });
      return fail(`egress policy map write failed: ${synced.error.message}`, true);
    }
    rounds++;
    metrics.mapWrites.inc({ op: 'upsert' }, synced.value.written);
    metrics.mapWrites.inc({ op: 'delete' }, synced.value.deleted);
    metrics.entries.set(opened.value.entries().length);
    return ok(undefined);
  };

  const loop = createReconcileLoop({
    name: 'egress-gateway',
    logger: log,
    run,
    canRun: () => sources.synced,
    debounceMs: o.debounceMs ?? 10,
    onRunDone: (outcome, ms) => {
      metrics.reconcileSeconds.observe(ms / 1000);
      metrics.reconciles.inc({ outcome: outcome === 'clean' ? 'ok' : 'error' });
    },
  });

  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    clearInterval(resync);
    const runDone = loop.stop();
    await sources.stop();
    await runDone;
  };

  return {
    async start(signal) {
      if (!stopped) return;
      stopped = false;
      signal.addEventListener('abort', () => void stop(), { once: true });
      loop.start();
      await sources.start(signal);
      resync = setInterval(() => loop.kick(0), o.resyncMs ?? 30_000);
      resync.unref();
      // The first round runs when every informer has listed (a change before that is ignored).
      void sources.whenSynced().then(() => loop.kick(0), () => undefined);
    },
    stop,
    entries: () => writer?.entries() ?? [],
    policies: () => viewsOf(sources.snapshot(), lastOutcome),
    health(): HealthReport {
      const informers = sources.health();
      const lastError = loop.lastError;
      return {
        name: 'egress-gateway',
        healthy: lastError === undefined,
        ready: !stopped && informers.ready && rounds > 0,
        ...(lastError ?? informers.message ? { message: lastError ?? informers.message } : {}),
        details: { rounds, entries: writer?.entries().length ?? 0, policies: sources.snapshot().policies.size },
      };
    },
  };
}

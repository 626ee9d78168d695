/**
 * The egress gateway's test world: the shared API world (a real etcd, the sandbox API server,
 * the Cilium CRDs applied with the real kubectl) and one "node" per `startNode`: a real agent (status API,
 * registry), a real datapath (memory or pinned BPF backend) and the egress-gateway feature
 * built through its AgentFeature, with the node's interfaces given by the test. Nodes and
 * pods are written with the real client (status needs the /status subresource), policies
 * with `kubectl apply`, so what the agents see is what a cluster would show them.
 */
import { afterAll, beforeAll } from 'vitest';
import { stringify } from 'yaml';
import { startAgent, type Agent } from '../../agent/agent.js';
import { createDatapath, type Datapath } from '../../datapath/index.js';
import type { DesiredEntry } from '../../egress-gateway/desired.js';
import type { EgressAgent } from '../../egress-gateway/controller.js';
import { createEgressGatewayFeature } from '../../egress-gateway/feature.js';
import type { HostNetwork } from '../../egress-gateway/host.js';
import { openEgressMap, readEgressMap } from '../../egress-gateway/map.js';
import { EGRESS_POLICIES } from '../../egress-gateway/sources.js';
import { createObject, deleteObject, mergePatch, patchStatus } from '../../k8s/patch.js';
import { coreResource } from '../../k8s/resource.js';
import { silentLogger, type Logger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { eventually as poll, withApiWorld } from '../helpers/api-world.js';
import type { Harness } from '../k8s/harness.js';
import type { KubectlResult } from '../kubectl/run.js';

export interface TestNode {
  readonly name: string;
  readonly agent: Agent;
  readonly datapath: Datapath;
  readonly egress: EgressAgent;
  /** What the node's egress policy map holds right now (read from the map, not the module). */
  mapEntries(): Promise<DesiredEntry[]>;
  stop(): Promise<void>;
}

export interface NodeOptions {
  readonly host?: HostNetwork;
  readonly kind?: 'memory' | 'bpf';
  readonly bpfRoot?: string;
  readonly mapMax?: number;
  readonly log?: Logger;
}

export interface EgressWorld {
  readonly h: Harness;
  kubectl(args: readonly string[], stdin?: string): Promise<KubectlResult>;
  /** `kubectl apply -f -`; throws with kubectl's stderr when it fails. */
  apply(...docs: string[]): Promise<void>;
  addNode(name: string, ip: string, labels?: Record<string, string>): Promise<void>;
  labelNode(name: string, labels: Record<string, string | null>): Promise<void>;
  deleteNode(name: string): Promise<void>;
  addPod(name: string, ip: string, labels?: Record<string, string>, namespace?: string): Promise<void>;
  deletePod(name: string, namespace?: string): Promise<void>;
  startNode(name: string, o?: NodeOptions): Promise<TestNode>;
}

export function policyYaml(name: string, spec: Record<string, unknown>): string {
  return stringify({ apiVersion: 'cilium.io/v2', kind: 'CiliumEgressGatewayPolicy', metadata: { name }, spec });
}

async function must<T>(what: string, r: Promise<{ ok: true; value: T } | { ok: false; error: { message: string } }>): Promise<T> {
  const v = await r;
  if (!v.ok) throw new Error(`${what}: ${v.error.message}`);
  return v.value;
}

export function withEgressWorld(): EgressWorld {
  const { h, kubectl: run, must: mustKubectl } = withApiWorld({ served: [EGRESS_POLICIES] });
  const nodes: TestNode[] = [];

  beforeAll(async () => {
    await must('namespace default', createObject(h.kc, coreResource('namespaces'), { metadata: { name: 'default' } })).catch(() => undefined);
  });

  afterAll(async () => {
    for (const n of nodes.splice(0).reverse()) await n.stop();
  });

  const startNode = async (name: string, o: NodeOptions = {}): Promise<TestNode> => {
    const log = o.log ?? silentLogger;
    const started = await startAgent({ kc: h.kc, nodeName: name, clusterName: 'c1', clusterId: 1, maxConnectedClusters: 255, statusPort: 0, log });
    if (!started.ok) throw new Error(started.error);
    const agent = started.value;
    const dp = createDatapath({
      kind: o.kind ?? 'memory',
      ...(o.bpfRoot ? { bpfRoot: o.bpfRoot } : {}),
      source: { current: () => agent.services(), onChange: (l) => agent.onTableChange((keys) => l(keys)) },
      log,
    });
    if (!dp.ok) {
      await agent.stop();
      throw new Error(dp.error);
    }
    const abort = new AbortController();
    let egress: EgressAgent | undefined;
    const feature = createEgressGatewayFeature({ host: () => o.host ?? { interfaces: [] }, debounceMs: 5, created: (e) => (egress = e) });
    const mod = feature.create(
      { kc: h.kc, nodeName: name, clusterName: 'c1', clusterId: 1, agent, datapath: dp.value, log },
      { egressGatewayPolicyMapMax: String(o.mapMax ?? 16384) },
    );
    const modules: Module[] = [dp.value];
    const stop = async (): Promise<void> => {
      abort.abort();
      for (const m of modules.reverse()) await m.stop().catch(() => undefined);
      await agent.stop();
    };
    if (!mod.ok || egress === undefined) {
      await stop();
      throw new Error(`egress feature: ${mod.ok ? 'no module' : mod.error}`);
    }
    // As agent/cli.ts does: the feature's report joins /healthz and /readyz under its name.
    agent.addHealth('datapath', () => dp.value.health());
    agent.addHealth('egress-gateway', () => mod.value.health());
    await dp.value.start(abort.signal);
    modules.push(mod.value);
    await mod.value.start(abort.signal);
    const readMap = async (): Promise<DesiredEntry[]> => {
      const map = await must('open egress map', openEgressMap(dp.value.backend, o.mapMax ?? 16384));
      return [...(await must('read egress map', readEgressMap(map))).entries];
    };
    const node: TestNode = { name, agent, datapath: dp.value, egress, mapEntries: readMap, stop };
    nodes.push(node);
    return node;
  };

  return {
    h,
    kubectl: run,
    async apply(...docs) {
      await mustKubectl(['apply', '-f', '-'], docs.join('\n---\n'));
    },
    async addNode(name, ip, labels = {}) {
      const ref = { ...coreResource('nodes'), name };
      await must(`create node ${name}`, createObject(h.kc, coreResource('nodes'), { metadata: { name, labels } }));
      await must(`node ${name} status`, patchStatus(h.kc, ref, {
        status: { addresses: [{ type: 'InternalIP', address: ip }], conditions: [{ type: 'Ready', status: 'True' }] },
      }));
    },
    async labelNode(name, labels) {
      await must(`label node ${name}`, mergePatch(h.kc, { ...coreResource('nodes'), name }, { metadata: { labels } }));
    },
    async deleteNode(name) {
      await must(`delete node ${name}`, deleteObject(h.kc, { ...coreResource('nodes'), name }));
    },
    async addPod(name, ip, labels = { app: 'a' }, namespace = 'default') {
      const ref = { ...coreResource('pods'), namespace, name };
      await must(`create pod ${name}`, createObject(h.kc, coreResource('pods'), {
        metadata: { name, namespace, labels },
        spec: { containers: [{ name: 'c', image: 'busybox' }] },
      }));
      await must(`pod ${name} status`, patchStatus(h.kc, ref, { status: { phase: 'Running', podIP: ip, podIPs: [{ ip }] } }));
    },
    async deletePod(name, namespace = 'default') {
      await must(`delete pod ${name}`, deleteObject(h.kc, { ...coreResource('pods'), namespace, name }));
    },
    startNode,
  };
}

/** The shared poll, tighter: these tests read in-process maps, which cost next to nothing to poll. */
export function eventually<T>(check: () => Promise<T>, timeoutMs = 10_000, everyMs = 20): Promise<T> {
  return poll(check, timeoutMs, everyMs);
}

/** `source → gatewayIP` for every entry of one destination CIDR. */
export function gatewaysFor(entries: readonly DesiredEntry[], cidr: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of entries) if (`${e.key.destination}/${e.key.destinationPrefixLen}` === cidr) out[e.key.sourceIp] = e.value.gatewayIp;
  return out;
}

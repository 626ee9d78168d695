/**
 * The BGP operator against the sandbox API server: everything is written with the real
 * kubectl and read back with it, while the operator module runs in-process on client-node.
 * Each test uses its own node label so tests in this file do not select each other's nodes.
 */
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ADVERTISEMENTS, CLUSTER_CONFIGS, NODE_CONFIG_OVERRIDES, NODE_CONFIGS, PEER_CONFIGS, PEERING_POLICIES, parseNodeConfig, type NodeConfig } from '../../bgp/api/index.js';
import { createBgpOperator } from '../../bgp/operator/index.js';
import { silentLogger } from '../../lib/log.js';
import type { Module } from '../../lib/module.js';
import { eventually, withBgpWorld } from './crds-world.js';

const w = withBgpWorld([CLUSTER_CONFIGS, PEER_CONFIGS, ADVERTISEMENTS, NODE_CONFIGS, NODE_CONFIG_OVERRIDES, PEERING_POLICIES]);
const registry = new Registry();
let operator: Module | undefined;
const abort = new AbortController();

beforeAll(async () => {
  operator = createBgpOperator({ kc: w.h.kc, registry, logger: silentLogger, debounceMs: 20 });
  await operator.start(abort.signal);
});

afterAll(async () => {
  try {
    await operator?.stop();
  } finally {
    abort.abort();
  }
});

async function addNode(name: string, labels: Record<string, string>, ip: string, annotations: Record<string, string> = {}): Promise<void> {
  await w.apply({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels, annotations } });
  await w.must(['patch', 'node', name, '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify({ status: { addresses: [{ type: 'InternalIP', address: ip }, { type: 'Hostname', address: name }] } })]);
}

function clusterConfig(name: string, label: string, peerConfig = 'pc', localPort?: number): object {
  return {
    apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', metadata: { name },
    spec: {
      nodeSelector: { matchLabels: { [label]: 'on' } },
      bgpInstances: [{ name: 'i1', localASN: 65001, ...(localPort ? { localPort } : {}), peers: [{ name: 'tor', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { name: peerConfig } }] }],
    },
  };
}

async function nodeConfig(name: string): Promise<NodeConfig | undefined> {
  const raw = await w.getJson('cbgpnode', name);
  if (!raw) return undefined;
  const r = parseNodeConfig(raw);
  if (!r.ok) throw new Error(`NodeConfig ${name} does not parse: ${r.error.join('; ')}`);
  return r.value;
}

async function nodeConfigNames(): Promise<string[]> {
  const out = await w.must(['get', 'cbgpnode', '-o', 'jsonpath={.items[*].metadata.name}']);
  return out.split(/\s+/).filter(Boolean).sort();
}

async function conditions(cc: string): Promise<Record<string, { status: string; message: string }>> {
  const raw = await w.getJson('cbgpcluster', cc);
  const list = ((raw?.status as { conditions?: { type: string; status: string; message: string }[] } | undefined)?.conditions) ?? [];
  return Object.fromEntries(list.map((c) => [c.type.replace('cilium.io/', ''), { status: c.status, message: c.message }]));
}

describe('BGP operator', () => {
  test('a ClusterConfig yields one NodeConfig per selected node, following labels, overrides and deletions', async () => {
    await w.apply({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'pc' }, spec: {} });
    await addNode('n1', { story1: 'on' }, '10.1.0.1');
    await addNode('n2', {}, '10.1.0.2');
    await w.apply(clusterConfig('story1', 'story1', 'pc', 1790));

    const uid = String(((await w.getJson('cbgpcluster', 'story1'))?.metadata as { uid: string }).uid);
    await eventually(async () => {
      const nc = await nodeConfig('n1');
      expect(nc?.spec.bgpInstances).toEqual([{ name: 'i1', localASN: 65001, routerID: '10.1.0.1', localPort: 1790, peers: [{ name: 'tor', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'pc' } }] }]);
      expect(nc?.metadata.ownerReferences).toEqual([{ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: 'story1', uid, controller: true }]);
    });
    expect(await nodeConfig('n2')).toBeUndefined();
    await eventually(async () => expect(await conditions('story1')).toEqual({
      NoMatchingNode: { status: 'False', message: '1 node(s) selected' },
      MissingPeerConfigs: { status: 'False', message: 'every referenced CiliumBGPPeerConfig exists' },
      ConflictingClusterConfig: { status: 'False', message: 'no node is selected by another CiliumBGPClusterConfig' },
    }));

    await w.must(['label', 'node', 'n2', 'story1=on']);
    await eventually(async () => expect((await nodeConfig('n2'))?.spec.bgpInstances[0]!.routerID).toBe('10.1.0.2'));

    await w.apply({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPNodeConfigOverride', metadata: { name: 'n1' }, spec: { bgpInstances: [{ name: 'i1', routerID: '192.0.2.1', localPort: 1791, peers: [{ name: 'tor', localAddress: '127.0.0.5' }] }] } });
    await eventually(async () => {
      const i = (await nodeConfig('n1'))?.spec.bgpInstances[0];
      expect(i).toMatchObject({ routerID: '192.0.2.1', localPort: 1791 });
      expect(i?.peers[0]?.localAddress).toBe('127.0.0.5');
    });

    await w.must(['label', 'node', 'n1', 'story1-']);
    await eventually(async () => expect(await nodeConfig('n1')).toBeUndefined());
    await w.must(['delete', 'node', 'n2']);
    await eventually(async () => expect(await nodeConfig('n2')).toBeUndefined());
    await eventually(async () => expect((await conditions('story1')).NoMatchingNode).toEqual({ status: 'True', message: 'no node matches spec.nodeSelector' }));
  });

  test('editing the ClusterConfig updates its NodeConfigs; a missing PeerConfig shows as a condition; deleting it removes them', async () => {
    await addNode('e1', { story2: 'on' }, '10.2.0.1');
    await w.apply(clusterConfig('story2', 'story2'));
    await eventually(async () => expect((await nodeConfig('e1'))?.spec.bgpInstances[0]!.peers[0]!.peerConfigRef?.name).toBe('pc'));

    await w.apply(clusterConfig('story2', 'story2', 'nope'));
    await eventually(async () => expect((await conditions('story2')).MissingPeerConfigs).toEqual({ status: 'True', message: 'CiliumBGPPeerConfig not found: nope' }));
    await eventually(async () => expect((await nodeConfig('e1'))?.spec.bgpInstances[0]!.peers[0]!.peerConfigRef?.name).toBe('nope'));
    await w.apply({ apiVersion: 'cilium.io/v2', kind: 'CiliumBGPPeerConfig', metadata: { name: 'nope' }, spec: {} });
    await eventually(async () => expect((await conditions('story2')).MissingPeerConfigs?.status).toBe('False'));

    await w.must(['delete', 'cbgpcluster', 'story2']);
    await eventually(async () => expect(await nodeConfig('e1')).toBeUndefined());
  });

  test('two ClusterConfigs selecting one node: the older keeps it, the newer says so', async () => {
    await addNode('c1', { story3: 'on', story3b: 'on' }, '10.3.0.1');
    await addNode('c2', { story3b: 'on' }, '10.3.0.2');
    await w.apply(clusterConfig('story3-older', 'story3'));
    await eventually(async () => expect((await nodeConfig('c1'))?.metadata.ownerReferences?.[0]?.name).toBe('story3-older'));
    // Names sort the same way as creation times, so the winner is the same even within one second.
    await w.apply(clusterConfig('story3-younger', 'story3b'));
    await eventually(async () => expect((await conditions('story3-younger')).ConflictingClusterConfig).toEqual({
      status: 'True', message: 'nodes selected by an older CiliumBGPClusterConfig: c1 (kept by story3-older)',
    }));
    expect((await nodeConfig('c1'))?.metadata.ownerReferences?.[0]?.name).toBe('story3-older');
    await eventually(async () => expect((await nodeConfig('c2'))?.metadata.ownerReferences?.[0]?.name).toBe('story3-younger'));
    expect((await conditions('story3-older')).ConflictingClusterConfig?.status).toBe('False');

    // The older one goes away: the younger takes the node over.
    await w.must(['delete', 'cbgpcluster', 'story3-older']);
    await eventually(async () => expect((await nodeConfig('c1'))?.metadata.ownerReferences?.[0]?.name).toBe('story3-younger'));
    await eventually(async () => expect((await conditions('story3-younger')).ConflictingClusterConfig?.status).toBe('False'));
  });

  test('a legacy PeeringPolicy becomes NodeConfigs plus derived PeerConfig and Advertisement, and they go with it', async () => {
    await addNode('l1', { story4: 'on' }, '10.4.0.1', { 'cilium.io/bgp-virtual-router.64512': 'router-id=192.0.2.44,local-port=1790' });
    await w.apply({
      apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumBGPPeeringPolicy', metadata: { name: 'legacy' },
      spec: {
        nodeSelector: { matchLabels: { story4: 'on' } },
        virtualRouters: [{ localASN: 64512, exportPodCIDR: true, neighbors: [{ peerAddress: '10.0.0.9/32', peerASN: 64513, holdTimeSeconds: 30, keepAliveTimeSeconds: 10, advertisedPathAttributes: [{ selectorType: 'PodCIDR', communities: { standard: ['64512:7'] } }] }] }],
      },
    });
    await eventually(async () => {
      const nc = await nodeConfig('l1');
      expect(nc?.spec.bgpInstances).toEqual([{ name: 'vr-64512', localASN: 64512, routerID: '192.0.2.44', localPort: 1790, peers: [{ name: '10.0.0.9', peerAddress: '10.0.0.9', peerASN: 64513, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'legacy-0-0' } }] }]);
      expect(nc?.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'CiliumBGPPeeringPolicy', apiVersion: 'cilium.io/v2alpha1', name: 'legacy' });
    });
    const pc = await w.getJson('cbgppeer', 'legacy-0-0');
    expect((pc?.spec as { timers: unknown }).timers).toEqual({ connectRetryTimeSeconds: 120, holdTimeSeconds: 30, keepAliveTimeSeconds: 10 });
    // The agent finds the advertisement through the family's label selector.
    const selector = (pc?.spec as { families: { advertisements: { matchLabels: Record<string, string> } }[] }).families[0]!.advertisements.matchLabels;
    const adverts = await w.must(['get', 'cbgpadvert', '-l', Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(','), '-o', 'json']);
    expect((JSON.parse(adverts) as { items: { spec: unknown }[] }).items.map((i) => i.spec)).toEqual([
      { advertisements: [{ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['64512:7'] } } }] },
    ]);

    await w.must(['delete', 'bgpp', 'legacy']);
    await eventually(async () => {
      expect(await nodeConfig('l1')).toBeUndefined();
      expect(await w.getJson('cbgppeer', 'legacy-0-0')).toBeUndefined();
      expect(await w.getJson('cbgpadvert', 'legacy-0-0')).toBeUndefined();
    });
  });

  test('an object the operator cannot use is logged and counted, and everything else still works', async () => {
    await w.apply({ apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumBGPPeeringPolicy', metadata: { name: 'asn-zero' }, spec: { nodeSelector: { matchLabels: { story5: 'on' } }, virtualRouters: [{ localASN: 0, neighbors: [] }] } });
    await addNode('b1', { story5: 'on' }, '10.5.0.1');
    await w.apply(clusterConfig('story5-other', 'story5x'));
    await addNode('b2', { story5x: 'on' }, '10.5.0.2');
    await eventually(async () => expect((await nodeConfig('b2'))?.spec.bgpInstances[0]!.routerID).toBe('10.5.0.2'));
    expect(await nodeConfig('b1')).toBeUndefined();
    const errors = await registry.getSingleMetric('cilium_operator_bgp_control_plane_reconcile_errors_total')!.get();
    expect(errors.values).toContainEqual(expect.objectContaining({ labels: { resource_kind: 'CiliumBGPPeeringPolicy', resource_name: 'asn-zero' }, value: 1 }));
    const runs = await registry.getSingleMetric('cilium_operator_bgp_control_plane_reconcile_run_duration_seconds')!.get();
    expect(runs.values.find((v) => (v as { metricName?: string }).metricName?.endsWith('_count'))?.value).toBeGreaterThan(0);
    expect(operator!.health()).toMatchObject({ ready: true });
    expect(await nodeConfigNames()).toEqual(expect.arrayContaining(['b2']));
  });
});

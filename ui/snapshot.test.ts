import { describe, expect, test } from 'vitest';
import { globalServices, meshConnected, meshLinks, poolUsage, type AgentSnapshot, type ClusterSnapshot, type Snapshot } from './snapshot.js';

const backend = (address: string, clusterID: number, inUse = true) => ({ address, port: 80, protocol: 'TCP', clusterID, inUse });

function agent(cluster: string, remotes: { name: string; connected: boolean; ready: boolean }[], services: AgentSnapshot['services']): AgentSnapshot {
  return {
    node: `${cluster}-node1`,
    url: 'http://127.0.0.1:1',
    mesh: { state: 'ok', value: { cluster: { name: cluster, id: 0 }, clusters: remotes } },
    services,
    bgpPeers: { state: 'absent' },
    l2: { state: 'absent' },
  };
}

function cluster(name: string, id: number, a: AgentSnapshot, extra: Partial<ClusterSnapshot> = {}): ClusterSnapshot {
  return { name, id, agents: [a], pools: { state: 'ok', value: [] }, lbServices: { state: 'ok', value: [] }, ...extra };
}

const rebel = (backends: ReturnType<typeof backend>[]) => ({ namespace: 'default', name: 'rebel-base', frontends: [], backends });

const twoClusters: Snapshot = {
  takenAt: 't',
  clusters: [
    cluster('c1', 1, agent('c1', [{ name: 'c2', connected: true, ready: true }], { state: 'ok', value: [rebel([backend('10.2.0.1', 2), backend('10.1.0.1', 1)]), { namespace: 'default', name: 'local-only', frontends: [], backends: [backend('10.1.0.9', 1)] }] })),
    cluster('c2', 2, agent('c2', [{ name: 'c1', connected: true, ready: false }], { state: 'ok', value: [rebel([backend('10.1.0.1', 1, false), backend('10.2.0.1', 2)])] })),
  ],
};

describe('globalServices', () => {
  test('only services with another cluster’s backends, grouped by cluster name with in-use kept', () => {
    const g = globalServices(twoClusters);
    expect(g.map((x) => [x.cluster, x.service])).toEqual([
      ['c1', 'default/rebel-base'],
      ['c2', 'default/rebel-base'],
    ]);
    expect([...g[0]!.backends]).toEqual([
      ['c1', [{ address: '10.1.0.1', inUse: true }]],
      ['c2', [{ address: '10.2.0.1', inUse: true }]],
    ]);
    expect(g[1]!.backends.get('c1')).toEqual([{ address: '10.1.0.1', inUse: false }]);
  });

  test('an unknown cluster ID is named by its number', () => {
    const s: Snapshot = { takenAt: 't', clusters: [cluster('c1', 1, agent('c1', [], { state: 'ok', value: [rebel([backend('10.9.0.1', 9)])] }))] };
    expect([...globalServices(s)[0]!.backends.keys()]).toEqual(['cluster 9']);
  });
});

describe('mesh state', () => {
  test('links per agent and remote; connected only when every link is connected and ready', () => {
    expect(meshLinks(twoClusters).map((l) => `${l.from}->${l.to} ${l.connected} ${l.ready}`)).toEqual(['c1->c2 true true', 'c2->c1 true false']);
    expect(meshConnected(twoClusters)).toBe(false);
    const ready = { ...twoClusters, clusters: [twoClusters.clusters[0]!, cluster('c2', 2, agent('c2', [{ name: 'c1', connected: true, ready: true }], { state: 'ok', value: [] }))] };
    expect(meshConnected(ready)).toBe(true);
  });

  test('an agent that does not answer is not connected', () => {
    const down: AgentSnapshot = { ...agent('c2', [], { state: 'ok', value: [] }), mesh: { state: 'error', error: 'ECONNREFUSED' } };
    expect(meshConnected({ takenAt: 't', clusters: [twoClusters.clusters[0]!, cluster('c2', 2, down)] })).toBe(false);
  });
});

test('poolUsage reads the LB-IPAM counters from conditions and lists services holding an IP', () => {
  const c = cluster('c1', 1, agent('c1', [], { state: 'ok', value: [] }), {
    pools: {
      state: 'ok',
      value: [
        {
          metadata: { name: 'empire' },
          spec: { blocks: [{ cidr: '198.51.100.0/28' }, { start: '192.0.2.1', stop: '192.0.2.3' }] },
          status: { conditions: [{ type: 'cilium.io/IPsUsed', status: 'Unknown', message: '1' }, { type: 'cilium.io/IPsAvailable', status: 'Unknown', message: '17' }, { type: 'cilium.io/PoolConflict', status: 'False' }] },
        },
        { metadata: { name: 'fresh' } },
      ],
    },
    lbServices: { state: 'ok', value: [{ namespace: 'default', name: 'deathstar', ips: ['198.51.100.0'] }, { namespace: 'default', name: 'pending', ips: [] }] },
  });
  expect(poolUsage(c)).toEqual([
    { cluster: 'c1', name: 'empire', blocks: '198.51.100.0/28, 192.0.2.1-192.0.2.3', used: '1', available: '17', conflicting: false, disabled: false, services: ['default/deathstar 198.51.100.0'] },
    { cluster: 'c1', name: 'fresh', blocks: '', used: '?', available: '?', conflicting: false, disabled: false, services: ['default/deathstar 198.51.100.0'] },
  ]);
});

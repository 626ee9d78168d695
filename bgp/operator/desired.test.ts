import { describe, expect, test } from 'vitest';
import type { ClusterConfigSpec, NodeConfigOverrideSpec } from '../api/index.js';
import { decide, type ConditionDraft } from './desired.js';
import type { ClusterConfigIn, Inputs, NodeIn } from './inputs.js';

const node = (name: string, labels: Record<string, string> = {}, internalIPv4?: string): NodeIn => ({
  name, labels, annotations: {}, ...(internalIPv4 ? { internalIPv4 } : {}),
});

const cc = (name: string, spec: Partial<ClusterConfigSpec>, createdAt = '2026-01-01T00:00:00Z'): ClusterConfigIn => ({
  name, uid: `uid-${name}`, createdAt, conditions: [],
  spec: { bgpInstances: [{ name: 'i1', localASN: 65001, peers: [{ name: 'tor', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'pc' } }] }], ...spec },
});

const inputs = (p: Partial<Inputs>): Inputs => ({
  clusterConfigs: [], peeringPolicies: [], peerConfigNames: new Set(['pc']), nodes: [], overrides: new Map(), ...p,
});

const cond = (conds: readonly ConditionDraft[] | undefined, type: string): ConditionDraft | undefined => conds?.find((c) => c.type === `cilium.io/${type}`);

describe('ClusterConfig → NodeConfigs', () => {
  test('one NodeConfig per selected node, named after it, owned by the ClusterConfig, router ID from the node', () => {
    const out = decide(inputs({
      clusterConfigs: [cc('main', { nodeSelector: { matchLabels: { bgp: 'on' } } })],
      nodes: [node('a', { bgp: 'on' }, '10.1.0.1'), node('b', {}, '10.1.0.2')],
    }));
    expect([...out.nodeConfigs.keys()]).toEqual(['a']);
    expect(out.nodeConfigs.get('a')).toEqual({
      name: 'a',
      owner: { apiVersion: 'cilium.io/v2', kind: 'CiliumBGPClusterConfig', name: 'main', uid: 'uid-main' },
      labels: {},
      spec: { bgpInstances: [{ name: 'i1', localASN: 65001, routerID: '10.1.0.1', peers: [{ name: 'tor', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'pc' } }] }] },
    });
    expect(out.problems).toEqual([]);
  });

  test('no nodeSelector selects every node; localPort is carried', () => {
    const base = cc('all', {});
    const withPort = { ...base, spec: { bgpInstances: [{ ...base.spec.bgpInstances[0]!, localPort: 1790 }] } };
    const out = decide(inputs({ clusterConfigs: [withPort], nodes: [node('a', {}, '10.1.0.1'), node('b', {}, '10.1.0.2')] }));
    expect([...out.nodeConfigs.keys()].sort()).toEqual(['a', 'b']);
    expect(out.nodeConfigs.get('b')!.spec.bgpInstances[0]!.localPort).toBe(1790);
  });

  test('the override sets router ID, port, ASN and a peer’s local address for its node only', () => {
    const override: NodeConfigOverrideSpec = { bgpInstances: [{ name: 'i1', routerID: '192.0.2.7', localPort: 1791, localASN: 65100, peers: [{ name: 'tor', localAddress: '127.0.0.9' }] }] };
    const out = decide(inputs({ clusterConfigs: [cc('main', {})], nodes: [node('a', {}, '10.1.0.1'), node('b', {}, '10.1.0.2')], overrides: new Map([['a', override]]) }));
    const a = out.nodeConfigs.get('a')!.spec.bgpInstances[0]!;
    expect(a).toMatchObject({ routerID: '192.0.2.7', localPort: 1791, localASN: 65100 });
    expect(a.peers[0]!.localAddress).toBe('127.0.0.9');
    const b = out.nodeConfigs.get('b')!.spec.bgpInstances[0]!;
    expect(b).toMatchObject({ routerID: '10.1.0.2', localASN: 65001 });
    expect(b.localPort).toBeUndefined();
    expect(b.peers[0]!.localAddress).toBeUndefined();
  });

  test('a node without IPv4 and without override gets no router ID and a problem is reported', () => {
    const out = decide(inputs({ clusterConfigs: [cc('main', {})], nodes: [node('v6only')] }));
    expect(out.nodeConfigs.get('v6only')!.spec.bgpInstances[0]!.routerID).toBeUndefined();
    expect(out.problems).toEqual([expect.objectContaining({ reason: 'no_router_id', subject: 'Node/v6only' })]);
  });

  test('conditions: no matching node, missing peer configs, all fine', () => {
    const out = decide(inputs({
      clusterConfigs: [cc('none', { nodeSelector: { matchLabels: { x: 'y' } } }), cc('fine', {}, '2026-01-02T00:00:00Z')],
      peerConfigNames: new Set(),
      nodes: [node('a', {}, '10.1.0.1')],
    }));
    expect(cond(out.clusterConditions.get('none'), 'NoMatchingNode')).toMatchObject({ status: 'True', reason: 'NoMatchingNode' });
    expect(cond(out.clusterConditions.get('fine'), 'NoMatchingNode')).toMatchObject({ status: 'False', message: '1 node(s) selected' });
    expect(cond(out.clusterConditions.get('fine'), 'MissingPeerConfigs')).toMatchObject({ status: 'True', message: 'CiliumBGPPeerConfig not found: pc' });
    const ok = decide(inputs({ clusterConfigs: [cc('fine', {})], nodes: [node('a', {}, '10.1.0.1')] }));
    expect(ok.clusterConditions.get('fine')!.map((c) => c.status)).toEqual(['False', 'False', 'False']);
  });

  test('two configs selecting one node: the older wins there, the younger keeps its other nodes and says why', () => {
    const older = cc('older', { nodeSelector: { matchLabels: { rack: '1' } } }, '2026-01-01T00:00:00Z');
    const younger = cc('younger', {}, '2026-01-02T00:00:00Z');
    // Input order must not matter.
    for (const order of [[older, younger], [younger, older]]) {
      const out = decide(inputs({ clusterConfigs: order, nodes: [node('a', { rack: '1' }, '10.1.0.1'), node('b', {}, '10.1.0.2')] }));
      expect(out.nodeConfigs.get('a')!.owner.name).toBe('older');
      expect(out.nodeConfigs.get('b')!.owner.name).toBe('younger');
      expect(cond(out.clusterConditions.get('younger'), 'ConflictingClusterConfig')).toMatchObject({ status: 'True', message: 'nodes selected by an older CiliumBGPClusterConfig: a (kept by older)' });
      expect(cond(out.clusterConditions.get('older'), 'ConflictingClusterConfig')!.status).toBe('False');
    }
  });

  test('same creation time: the name decides, so every replica agrees', () => {
    const out = decide(inputs({ clusterConfigs: [cc('zeta', {}), cc('alpha', {})], nodes: [node('a', {}, '10.1.0.1')] }));
    expect(out.nodeConfigs.get('a')!.owner.name).toBe('alpha');
  });

  test('a node selected by a ClusterConfig ignores PeeringPolicies', () => {
    const out = decide(inputs({
      clusterConfigs: [cc('main', { nodeSelector: { matchLabels: { v2: 'yes' } } })],
      peeringPolicies: [{ name: 'legacy', uid: 'u', createdAt: '', spec: { virtualRouters: [{ localASN: 64512, exportPodCIDR: false, serviceAdvertisements: ['LoadBalancerIP'], neighbors: [] }] } }],
      nodes: [node('a', { v2: 'yes' }, '10.1.0.1'), node('b', {}, '10.1.0.2')],
    }));
    expect(out.nodeConfigs.get('a')!.owner.kind).toBe('CiliumBGPClusterConfig');
    expect(out.nodeConfigs.get('b')!.owner).toMatchObject({ kind: 'CiliumBGPPeeringPolicy', name: 'legacy', apiVersion: 'cilium.io/v2alpha1' });
  });
});

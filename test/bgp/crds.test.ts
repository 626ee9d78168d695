/**
 * The BGP CRDs as a user meets them through the real kubectl: short names, printer columns,
 * explain, server-side defaults and validation, and the status subresource. Every object
 * kubectl hands back must also be accepted by bgp/api's parse functions.
 */
import { describe, expect, test } from 'vitest';
import {
  ADVERTISEMENTS, CLUSTER_CONFIGS, NODE_CONFIG_OVERRIDES, NODE_CONFIGS, PEER_CONFIGS, PEERING_POLICIES,
  parseAdvertisement, parseClusterConfig, parseNodeConfig, parseNodeConfigOverride, parsePeerConfig, parsePeeringPolicy,
} from '../../bgp/api/index.js';
import { ok, table } from '../kubectl/run.js';
import { withBgpWorld } from './crds-world.js';

const kinds = [CLUSTER_CONFIGS, PEER_CONFIGS, ADVERTISEMENTS, NODE_CONFIGS, NODE_CONFIG_OVERRIDES, PEERING_POLICIES];
const w = withBgpWorld(kinds);

const v2 = (kind: string, name: string, spec: object): object => ({ apiVersion: 'cilium.io/v2', kind, metadata: { name }, spec });

describe('BGP CRDs through kubectl', () => {
  test('every kind is listed with its short name under the cilium category', async () => {
    const rows = table(ok(await w.kubectl(['api-resources', '--api-group', 'cilium.io', '--no-headers'])));
    const byKind = new Map(rows.map((r) => [r[r.length - 1], r]));
    for (const k of kinds) {
      const row = byKind.get(k.kind);
      expect(row, k.kind).toBeDefined();
      expect(row![0]).toBe(k.resource);
      expect(row![1]).toBe(k.shortName);
      expect(row).toContain(`cilium.io/${k.version}`);
      expect(row).toContain('false'); // not namespaced
    }
  });

  test('a peer config gets its defaults from the server, the same as bgp/api applies', async () => {
    await w.apply(v2('CiliumBGPPeerConfig', 'defaults', { transport: {}, timers: {}, gracefulRestart: { enabled: true } }));
    const stored = await w.getJson('cbgppeer', 'defaults');
    expect(stored?.spec).toEqual({
      transport: { peerPort: 179 },
      timers: { connectRetryTimeSeconds: 120, holdTimeSeconds: 90, keepAliveTimeSeconds: 30 },
      gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
      ebgpMultihop: 1,
    });
    const parsed = parsePeerConfig(stored);
    expect(parsed.ok && parsed.value.spec.families).toEqual([{ afi: 'ipv6', safi: 'unicast' }, { afi: 'ipv4', safi: 'unicast' }]);
    const cols = table(ok(await w.kubectl(['get', 'cbgppeer', 'defaults'])));
    expect(cols[0]).toEqual(['NAME', 'PEER PORT', 'HOLD TIME', 'AGE']);
    expect(cols[1]!.slice(0, 3)).toEqual(['defaults', '179', '90']);
  });

  test('the server refuses out-of-range values with the field named', async () => {
    const r = await w.kubectl(['apply', '-f', '-'], JSON.stringify(v2('CiliumBGPPeerConfig', 'bad', { timers: { holdTimeSeconds: 2 } })));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('spec.timers.holdTimeSeconds');
    const c = await w.kubectl(['apply', '-f', '-'], JSON.stringify(v2('CiliumBGPClusterConfig', 'bad', { bgpInstances: [] })));
    expect(c.code).not.toBe(0);
    expect(c.stderr).toContain('spec.bgpInstances');
  });

  test('cluster config: stored, parsed, status written through the subresource and shown in columns', async () => {
    await w.apply(v2('CiliumBGPClusterConfig', 'cc', {
      nodeSelector: { matchLabels: { bgp: 'on' } },
      bgpInstances: [{ name: 'i1', localASN: 65001, peers: [{ name: 'tor', peerAddress: '10.0.0.1', peerConfigRef: { name: 'defaults' } }] }],
    }));
    const stored = await w.getJson('cbgpcluster', 'cc');
    const parsed = parseClusterConfig(stored);
    expect(parsed.ok && parsed.value.spec.bgpInstances[0]!.peers[0]).toEqual({
      name: 'tor', peerAddress: '10.0.0.1', peerASN: 0, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'defaults' },
    });
    const status = { status: { conditions: [{ type: 'cilium.io/NoMatchingNode', status: 'True', reason: 'NoMatchingNode', message: 'no node', lastTransitionTime: '2026-11-25T19:00:00Z' }] } };
    ok(await w.kubectl(['patch', 'cbgpcluster', 'cc', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify(status)]));
    const rows = table(ok(await w.kubectl(['get', 'cbgpcluster'])));
    expect(rows[0]).toEqual(['NAME', 'NO NODE', 'MISSING PEER CONFIGS', 'CONFLICTING', 'AGE']);
    expect(rows[1]!.slice(0, 2)).toEqual(['cc', 'True']);
  });

  test('node config, override, advertisement and legacy policy round-trip into bgp/api', async () => {
    await w.apply(
      v2('CiliumBGPNodeConfig', 'node-a', { bgpInstances: [{ name: 'i1', localASN: 65001, routerID: '10.0.0.5', peers: [{ name: 'tor', peerAddress: '10.0.0.1', peerASN: 65000 }] }] }),
      v2('CiliumBGPNodeConfigOverride', 'node-a', { bgpInstances: [{ name: 'i1', routerID: '192.0.2.1', localPort: 1790, peers: [{ name: 'tor', localAddress: '127.0.0.2' }] }] }),
      v2('CiliumBGPAdvertisement', 'lb', { advertisements: [{ advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: {}, attributes: { communities: { standard: ['65000:99'], large: ['1:2:3'] }, localPreference: 150 } }] }),
      { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumBGPPeeringPolicy', metadata: { name: 'legacy' }, spec: { virtualRouters: [{ localASN: 64512, exportPodCIDR: true, neighbors: [{ peerAddress: '10.0.0.1/32', peerASN: 64512 }] }] } },
    );
    expect(parseNodeConfig(await w.getJson('cbgpnode', 'node-a')).ok).toBe(true);
    expect(parseNodeConfigOverride(await w.getJson('cbgpnodeoverride', 'node-a')).ok).toBe(true);
    expect(parseAdvertisement(await w.getJson('cbgpadvert', 'lb')).ok).toBe(true);
    const legacy = await w.getJson('bgpp', 'legacy');
    const parsed = parsePeeringPolicy(legacy);
    expect(parsed.ok && parsed.value.spec.virtualRouters[0]!.neighbors[0]!.holdTimeSeconds).toBe(90);
    expect((legacy?.spec as { virtualRouters: { serviceAdvertisements: string[] }[] }).virtualRouters[0]!.serviceAdvertisements).toEqual(['LoadBalancerIP']);

    const status = { status: { bgpInstances: [{ name: 'i1', localASN: 65001, peers: [{ name: 'tor', peerAddress: '10.0.0.1', peeringState: 'established', timers: { appliedHoldTimeSeconds: 90, appliedKeepaliveSeconds: 30 }, routeCount: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 3 }] }] }], conditions: [{ type: 'cilium.io/BGPReconcileError', status: 'False', reason: 'NoError', message: '', lastTransitionTime: '2026-11-25T19:00:00Z' }] } };
    ok(await w.kubectl(['patch', 'cbgpnode', 'node-a', '--subresource', 'status', '--type', 'merge', '-p', JSON.stringify(status)]));
    const node = parseNodeConfig(await w.getJson('cbgpnode', 'node-a'));
    expect(node.ok && node.value.status?.bgpInstances[0]!.peers[0]!.routeCount).toEqual([{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 3 }]);
    const rows = table(ok(await w.kubectl(['get', 'cbgpnode'])));
    expect(rows[0]).toEqual(['NAME', 'INSTANCES', 'RECONCILE ERROR', 'AGE']);
    expect(rows[1]!.slice(0, 3)).toEqual(['node-a', 'i1', 'False']);
  });

  test('kubectl explain describes the fields from the schema', async () => {
    const out = ok(await w.kubectl(['explain', 'ciliumbgppeerconfigs.spec.timers']));
    expect(out).toContain('holdTimeSeconds');
    expect(out).toContain('changing hold or keepalive resets the session');
    const cc = ok(await w.kubectl(['explain', 'cbgpcluster.spec.bgpInstances.localPort']));
    expect(cc).toContain('connect out only, no listener');
  });
});

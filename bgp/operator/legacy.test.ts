import { describe, expect, test } from 'vitest';
import { parsePeeringPolicy, type PeeringPolicySpec } from '../api/index.js';
import type { NodeIn, PeeringPolicyIn } from './inputs.js';
import { derivedName, PEER_CONFIG_LABEL, policyKey, POLICY_LABEL, translatePolicies, virtualRouterAnnotation } from './legacy.js';

/** Specs go through the real parser so defaults are what the operator sees. */
function policy(name: string, spec: unknown, createdAt = '2026-01-01T00:00:00Z'): PeeringPolicyIn {
  const r = parsePeeringPolicy({ metadata: { name }, spec });
  if (!r.ok) throw new Error(r.error.join('; '));
  return { name, uid: `uid-${name}`, createdAt, spec: r.value.spec as PeeringPolicySpec };
}

const node = (name: string, labels: Record<string, string> = {}, annotations: Record<string, string> = {}): NodeIn => ({ name, labels, annotations, internalIPv4: '10.1.0.1' });

describe('PeeringPolicy → v2 objects', () => {
  const p = policy('edge', {
    nodeSelector: { matchLabels: { bgp: 'v1' } },
    virtualRouters: [{
      localASN: 65001,
      exportPodCIDR: true,
      serviceSelector: { matchLabels: { announce: 'yes' } },
      serviceAdvertisements: ['LoadBalancerIP', 'ClusterIP'],
      neighbors: [{
        peerAddress: '10.0.0.1/32', peerASN: 65000, peerPort: 1790, holdTimeSeconds: 9, keepAliveTimeSeconds: 3, eBGPMultihopTTL: 4,
        authSecretRef: 'md5', gracefulRestart: { enabled: true },
        families: [{ afi: 'ipv4', safi: 'unicast' }],
        advertisedPathAttributes: [
          { selectorType: 'PodCIDR', communities: { standard: ['65000:1'] }, localPreference: 100 },
          { selectorType: 'CiliumLoadBalancerIPPool', communities: { large: ['1:2:3'] } },
          { selectorType: 'CiliumLoadBalancerIPPool', communities: { large: ['1:2:3'], wellKnown: ['no-export'] }, localPreference: 50 },
        ],
      }],
    }],
  });

  test('the node gets one instance per virtual router with peers referencing derived PeerConfigs', () => {
    const out = translatePolicies([p], [node('a', { bgp: 'v1' }), node('b')]);
    expect([...out.nodeConfigs.keys()]).toEqual(['a']);
    expect(out.nodeConfigs.get('a')).toEqual({
      name: 'a',
      owner: { apiVersion: 'cilium.io/v2alpha1', kind: 'CiliumBGPPeeringPolicy', name: 'edge', uid: 'uid-edge' },
      labels: { [POLICY_LABEL]: 'edge' },
      spec: { bgpInstances: [{ name: 'vr-65001', localASN: 65001, routerID: '10.1.0.1', peers: [{ name: '10.0.0.1', peerAddress: '10.0.0.1', peerASN: 65000, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'edge-0-0' } }] }] },
    });
  });

  test('each neighbor becomes a PeerConfig with its transport, timers, auth, GR, multihop and labelled families', () => {
    const out = translatePolicies([p], []);
    expect(out.peerConfigs.get('edge-0-0')).toEqual({
      name: 'edge-0-0',
      owner: expect.objectContaining({ kind: 'CiliumBGPPeeringPolicy', name: 'edge' }),
      labels: { [POLICY_LABEL]: 'edge', [PEER_CONFIG_LABEL]: 'edge-0-0' },
      spec: {
        transport: { peerPort: 1790 },
        timers: { connectRetryTimeSeconds: 120, holdTimeSeconds: 9, keepAliveTimeSeconds: 3 },
        authSecretRef: 'md5',
        gracefulRestart: { enabled: true, restartTimeSeconds: 120 },
        ebgpMultihop: 4,
        families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { [PEER_CONFIG_LABEL]: 'edge-0-0' } } }],
      },
    });
  });

  test('the advertisement: pod CIDR, LB IPs with the pool attributes merged, other service addresses plain', () => {
    const out = translatePolicies([p], []);
    expect(out.advertisements.get('edge-0-0')!.spec.advertisements).toEqual([
      { advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65000:1'] }, localPreference: 100 } },
      { advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: { matchLabels: { announce: 'yes' } }, attributes: { communities: { wellKnown: ['no-export'], large: ['1:2:3'] }, localPreference: 50 } },
      { advertisementType: 'Service', service: { addresses: ['ClusterIP'] }, selector: { matchLabels: { announce: 'yes' } } },
    ]);
    expect(out.problems).toEqual([]);
  });

  test('defaults: both families, no services without a serviceSelector, nothing to advertise means no Advertisement', () => {
    const out = translatePolicies([policy('min', { virtualRouters: [{ localASN: 64512, neighbors: [{ peerAddress: 'fd00::1/128', peerASN: 64512 }] }] })], [node('a')]);
    expect(out.peerConfigs.get('min-0-0')!.spec.families.map((f) => `${f.afi}/${f.safi}`)).toEqual(['ipv6/unicast', 'ipv4/unicast']);
    expect(out.peerConfigs.get('min-0-0')!.spec.gracefulRestart).toEqual({ enabled: false, restartTimeSeconds: 120 });
    expect(out.advertisements.size).toBe(0);
    expect(out.nodeConfigs.get('a')!.spec.bgpInstances[0]!.peers[0]!.peerAddress).toBe('fd00::1');
  });

  test('a pool-selecting path attribute cannot be expressed and is reported', () => {
    const q = policy('sel', { virtualRouters: [{ localASN: 1, serviceSelector: {}, neighbors: [{ peerAddress: '10.0.0.1/32', peerASN: 2, advertisedPathAttributes: [{ selectorType: 'CiliumLoadBalancerIPPool', selector: { matchLabels: { pool: 'a' } }, localPreference: 10 }] }] }] });
    const out = translatePolicies([q], []);
    expect(out.advertisements.get('sel-0-0')!.spec.advertisements).toEqual([{ advertisementType: 'Service', service: { addresses: ['LoadBalancerIP'] }, selector: {} }]);
    expect(out.problems).toEqual([expect.objectContaining({ reason: 'unsupported_path_attributes', subject: 'CiliumBGPPeeringPolicy/sel' })]);
  });

  test('a node selected by two policies gets neither', () => {
    const out = translatePolicies([policy('one', { virtualRouters: [{ localASN: 1, neighbors: [] }] }), policy('two', { virtualRouters: [{ localASN: 2, neighbors: [] }] })], [node('a')]);
    expect(out.nodeConfigs.size).toBe(0);
    expect(out.problems).toEqual([expect.objectContaining({ reason: 'conflicting_peering_policies', subject: 'Node/a', message: expect.stringContaining('(one, two)') })]);
  });

  test('the v1 node annotation sets router ID and listening port', () => {
    const n = node('a', {}, { 'cilium.io/bgp-virtual-router.64512': 'router-id=192.0.2.5,local-port=1790' });
    const out = translatePolicies([policy('p', { virtualRouters: [{ localASN: 64512, neighbors: [] }] })], [n]);
    expect(out.nodeConfigs.get('a')!.spec.bgpInstances[0]).toMatchObject({ routerID: '192.0.2.5', localPort: 1790 });
    expect(virtualRouterAnnotation(node('b', {}, { 'cilium.io/bgp-virtual-router.1': 'router-id=fd00::1' }), 1).error).toMatch(/cannot use "router-id=fd00::1"/);
  });

  test('duplicate neighbor addresses get distinct peer names', () => {
    const out = translatePolicies([policy('d', { virtualRouters: [{ localASN: 1, neighbors: [{ peerAddress: '10.0.0.1/32', peerASN: 2 }, { peerAddress: '10.0.0.1/32', peerASN: 3, peerPort: 1790 }] }] })], [node('a')]);
    expect(out.nodeConfigs.get('a')!.spec.bgpInstances[0]!.peers.map((x) => x.name)).toEqual(['10.0.0.1', '10.0.0.1-1']);
  });

  test('long policy names stay valid label values and do not collide', () => {
    const a = 'x'.repeat(100);
    const b = 'x'.repeat(99) + 'y';
    expect(policyKey(a).length).toBeLessThanOrEqual(48);
    expect(policyKey(a)).not.toBe(policyKey(b));
    expect(derivedName(a, 15, 99).length).toBeLessThanOrEqual(63);
    expect(policyKey('short')).toBe('short');
  });
});

import { describe, expect, test } from 'vitest';
import {
  parseAdvertisement, parseClusterConfig, parseNodeConfig, parseNodeConfigOverride, parsePeerConfig, parsePeeringPolicy,
  isLargeCommunity, isStandardCommunity,
} from './index.js';

const meta = { name: 'x' };

function errors(r: { ok: boolean; error?: readonly string[] }): readonly string[] {
  expect(r.ok).toBe(false);
  return r.error ?? [];
}

describe('CiliumBGPPeerConfig', () => {
  test('an empty spec gets every default of the reference', () => {
    const r = parsePeerConfig({ metadata: meta, spec: {} });
    expect(r.ok && r.value.spec).toEqual({
      transport: { peerPort: 179 },
      timers: { connectRetryTimeSeconds: 120, holdTimeSeconds: 90, keepAliveTimeSeconds: 30 },
      gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
      ebgpMultihop: 1,
      families: [{ afi: 'ipv6', safi: 'unicast' }, { afi: 'ipv4', safi: 'unicast' }],
    });
  });

  test('a missing spec is the same as an empty one', () => {
    const r = parsePeerConfig({ metadata: meta });
    expect(r.ok && r.value.spec.timers.holdTimeSeconds).toBe(90);
  });

  test('partly set timers keep the given values and default the rest', () => {
    const r = parsePeerConfig({ metadata: meta, spec: { timers: { holdTimeSeconds: 60 }, gracefulRestart: { enabled: true } } });
    expect(r.ok && r.value.spec.timers).toEqual({ connectRetryTimeSeconds: 120, holdTimeSeconds: 60, keepAliveTimeSeconds: 30 });
    expect(r.ok && r.value.spec.gracefulRestart).toEqual({ enabled: true, restartTimeSeconds: 120 });
  });

  test('keepalive above hold is refused with the field named', () => {
    const errs = errors(parsePeerConfig({ metadata: meta, spec: { timers: { holdTimeSeconds: 10, keepAliveTimeSeconds: 20 } } }));
    expect(errs).toEqual(['spec.timers.keepAliveTimeSeconds: keepAliveTimeSeconds must not be larger than holdTimeSeconds']);
  });

  test.each([
    [{ timers: { holdTimeSeconds: 2 } }, 'spec.timers.holdTimeSeconds: holdTimeSeconds must be at least 3'],
    [{ timers: { holdTimeSeconds: 65536 } }, 'spec.timers.holdTimeSeconds: holdTimeSeconds must be at most 65535'],
    [{ gracefulRestart: { enabled: true, restartTimeSeconds: 4096 } }, 'spec.gracefulRestart.restartTimeSeconds: restartTimeSeconds must be at most 4095'],
    [{ gracefulRestart: { enabled: true, restartTimeSeconds: 0 } }, 'spec.gracefulRestart.restartTimeSeconds: restartTimeSeconds must be at least 1'],
    [{ transport: { peerPort: 0 } }, 'spec.transport.peerPort: peerPort must be at least 1'],
    [{ ebgpMultihop: 256 }, 'spec.ebgpMultihop: ebgpMultihop must be at most 255'],
    [{ ebgpMultihop: 1.5 }, 'spec.ebgpMultihop: ebgpMultihop must be an integer'],
    [{ families: [{ afi: 'ipv4', safi: 'multicast' }] }, 'spec.families[0].safi: safi must be unicast'],
    [{ families: [{ afi: 'ipv5', safi: 'unicast' }] }, 'spec.families[0].afi: afi must be ipv4 or ipv6'],
    [{ families: [{ afi: 'ipv4', safi: 'unicast' }, { afi: 'ipv4', safi: 'unicast' }] }, 'spec.families[1]: family ipv4/unicast is listed twice'],
  ])('refuses %j', (spec, message) => {
    expect(errors(parsePeerConfig({ metadata: meta, spec }))).toContain(message);
  });

  test('a family advertisement selector with a bad operator is refused at the boundary', () => {
    const errs = errors(parsePeerConfig({ metadata: meta, spec: { families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchExpressions: [{ key: 'a', operator: 'Near' }] } }] } }));
    expect(errs[0]).toMatch(/^spec\.families\[0\]\.advertisements: .*"Near" is not a valid label selector operator/);
  });

  test('non-objects and missing names never throw', () => {
    for (const input of [null, 42, 'x', [], {}, { metadata: {} }, { metadata: { name: '' } }]) {
      const r = parsePeerConfig(input);
      expect(r.ok).toBe(false);
    }
    expect(errors(parsePeerConfig({ metadata: {} }))).toContain('metadata.name: metadata.name is required');
  });
});

describe('CiliumBGPClusterConfig', () => {
  const good = {
    metadata: meta,
    spec: {
      nodeSelector: { matchLabels: { bgp: 'on' } },
      bgpInstances: [{ name: 'i1', localASN: 65001, localPort: 1790, peers: [{ name: 'p1', peerAddress: 'fd00::1', peerConfigRef: { name: 'pc' } }] }],
    },
  };

  test('a good object parses, peerASN defaults to 0 and the ref to CiliumBGPPeerConfig', () => {
    const r = parseClusterConfig(good);
    expect(r.ok && r.value.spec.bgpInstances[0]!.peers[0]).toEqual({
      name: 'p1', peerAddress: 'fd00::1', peerASN: 0, peerConfigRef: { group: 'cilium.io', kind: 'CiliumBGPPeerConfig', name: 'pc' },
    });
  });

  test('a 4-byte ASN is fine, 0 and 2^32 are not', () => {
    const withAsn = (localASN: number): unknown => ({ ...good, spec: { bgpInstances: [{ name: 'i', localASN }] } });
    expect(parseClusterConfig(withAsn(4294967295)).ok).toBe(true);
    expect(errors(parseClusterConfig(withAsn(0)))).toEqual(['spec.bgpInstances[0].localASN: ASN must be at least 1']);
    expect(errors(parseClusterConfig(withAsn(4294967296)))).toEqual(['spec.bgpInstances[0].localASN: ASN must be at most 4294967295']);
  });

  test('every problem is reported, each with its path', () => {
    const errs = errors(parseClusterConfig({
      metadata: meta,
      spec: { bgpInstances: [{ name: 'i', localASN: 1, localPort: 70000, peers: [{ name: 'p', peerAddress: '10.0.0' }, { name: 'p', peerAddress: '10.0.0.1' }] }] },
    }));
    expect(errs).toEqual([
      'spec.bgpInstances[0].localPort: port must be at most 65535',
      'spec.bgpInstances[0].peers[0].peerAddress: must be an IPv4 or IPv6 address',
      'spec.bgpInstances[0].peers[1].name: peer name "p" is used twice',
    ]);
  });

  test('instances: 1 to 16, unique names', () => {
    const inst = (n: number): unknown[] => Array.from({ length: n }, (_, i) => ({ name: `i${i}`, localASN: 1 }));
    expect(errors(parseClusterConfig({ metadata: meta, spec: { bgpInstances: [] } }))).toEqual(['spec.bgpInstances: at least one BGP instance is required']);
    expect(errors(parseClusterConfig({ metadata: meta, spec: { bgpInstances: inst(17) } }))).toEqual(['spec.bgpInstances: at most 16 BGP instances are allowed']);
    expect(parseClusterConfig({ metadata: meta, spec: { bgpInstances: inst(16) } }).ok).toBe(true);
  });

  test('a mangled status does not hide a valid spec', () => {
    const r = parseClusterConfig({ ...good, status: { conditions: 'broken' } });
    expect(r.ok && r.value.status).toBeUndefined();
  });
});

describe('CiliumBGPAdvertisement', () => {
  test('a service advertisement with attributes parses', () => {
    const r = parseAdvertisement({
      metadata: meta,
      spec: {
        advertisements: [{
          advertisementType: 'Service',
          service: { addresses: ['LoadBalancerIP', 'ClusterIP'], aggregationLengthIPv4: 24 },
          selector: { matchExpressions: [{ key: 'io.kubernetes.service.name', operator: 'In', values: ['web'] }] },
          attributes: { communities: { standard: ['65000:99', '4294967295'], wellKnown: ['no-export'], large: ['1:2:3'] }, localPreference: 200 },
        }],
      },
    });
    expect(r.ok).toBe(true);
  });

  test.each([
    [{ advertisementType: 'Service' }, 'spec.advertisements[0].service: advertisementType Service needs service.addresses'],
    [{ advertisementType: 'Routes' }, 'spec.advertisements[0].advertisementType: advertisementType must be one of PodCIDR, CiliumPodIPPool, Service'],
    [{ advertisementType: 'Service', service: { addresses: ['NodeIP'] } }, 'spec.advertisements[0].service.addresses[0]: address type must be one of LoadBalancerIP, ClusterIP, ExternalIP'],
    [{ advertisementType: 'PodCIDR', attributes: { communities: { standard: ['65536:1'] } } }, 'spec.advertisements[0].attributes.communities.standard[0]: standard community must be "N" (0..4294967295) or "a:b" (0..65535 each)'],
    [{ advertisementType: 'PodCIDR', attributes: { communities: { large: ['1:2'] } } }, 'spec.advertisements[0].attributes.communities.large[0]: large community must be "a:b:c" (0..4294967295 each)'],
    [{ advertisementType: 'PodCIDR', attributes: { communities: { wellKnown: ['no-such'] } } }, expect.stringMatching(/^spec\.advertisements\[0\]\.attributes\.communities\.wellKnown\[0\]: well-known community must be one of internet, /)],
  ])('refuses %j', (entry, message) => {
    expect(errors(parseAdvertisement({ metadata: meta, spec: { advertisements: [entry] } }))).toContainEqual(message);
  });

  test('community syntax', () => {
    expect(['0', '4294967295', '0:0', '65535:65535'].every(isStandardCommunity)).toBe(true);
    expect(['', 'a', '4294967296', '1:2:3', '65536:0', ':1', '-1'].some(isStandardCommunity)).toBe(false);
    expect(isLargeCommunity('4294967295:0:1')).toBe(true);
    expect(['1:2', '1:2:3:4', '4294967296:1:1', 'a:b:c'].some(isLargeCommunity)).toBe(false);
  });
});

describe('CiliumBGPNodeConfig and override', () => {
  test('spec and status as the agent writes them', () => {
    const r = parseNodeConfig({
      metadata: { name: 'node-a' },
      spec: { bgpInstances: [{ name: 'i', localASN: 65001, routerID: '10.0.0.1', localPort: 179, peers: [{ name: 'p', peerAddress: '10.0.0.2', peerASN: 65000, localAddress: '10.0.0.1', peerConfigRef: { name: 'pc' } }] }] },
      status: {
        bgpInstances: [{ name: 'i', localASN: 65001, peers: [{ name: 'p', peeringState: 'established', timers: { appliedHoldTimeSeconds: 90, appliedKeepaliveSeconds: 30 }, establishedTime: '2026-11-25T19:00:00Z', routeCount: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 2 }] }] }],
        conditions: [{ type: 'cilium.io/BGPReconcileError', status: 'False', reason: 'Ok' }],
      },
    });
    expect(r.ok && r.value.status?.bgpInstances[0]!.peers[0]!.peeringState).toBe('established');
  });

  test('a router ID must be IPv4', () => {
    expect(errors(parseNodeConfig({ metadata: meta, spec: { bgpInstances: [{ name: 'i', routerID: 'fd00::1' }] } }))).toEqual([
      'spec.bgpInstances[0].routerID: must be an IPv4 address',
    ]);
  });

  test('override: router ID, port, ASN and per-peer local address', () => {
    const r = parseNodeConfigOverride({ metadata: { name: 'node-a' }, spec: { bgpInstances: [{ name: 'i', routerID: '192.0.2.9', localPort: 1790, localASN: 65009, peers: [{ name: 'p', localAddress: '127.0.0.5' }] }] } });
    expect(r.ok && r.value.spec.bgpInstances[0]).toEqual({ name: 'i', routerID: '192.0.2.9', localPort: 1790, localASN: 65009, peers: [{ name: 'p', localAddress: '127.0.0.5' }] });
    expect(errors(parseNodeConfigOverride({ metadata: meta, spec: { bgpInstances: [{ name: 'i', peers: [{ name: 'p', localAddress: 'here' }] }] } }))).toEqual([
      'spec.bgpInstances[0].peers[0].localAddress: must be an IPv4 or IPv6 address',
    ]);
  });
});

describe('CiliumBGPPeeringPolicy (v2alpha1)', () => {
  test('a minimal policy gets Cilium’s defaults', () => {
    const r = parsePeeringPolicy({ metadata: meta, spec: { virtualRouters: [{ localASN: 64512, neighbors: [{ peerAddress: 'fc00::50/128', peerASN: 64512 }] }] } });
    expect(r.ok && r.value.spec.virtualRouters[0]).toEqual({
      localASN: 64512,
      exportPodCIDR: false,
      serviceAdvertisements: ['LoadBalancerIP'],
      neighbors: [{ peerAddress: 'fc00::50/128', peerASN: 64512, peerPort: 179, eBGPMultihopTTL: 1, connectRetryTimeSeconds: 120, holdTimeSeconds: 90, keepAliveTimeSeconds: 30 }],
    });
  });

  test.each([
    [{ peerAddress: '10.0.0.1', peerASN: 1 }, 'spec.virtualRouters[0].neighbors[0].peerAddress: must be a CIDR (address/prefix length)'],
    [{ peerAddress: '10.0.0.1/32' }, 'spec.virtualRouters[0].neighbors[0].peerASN: ASN must be a number'],
    [{ peerAddress: '10.0.0.1/32', peerASN: 1, holdTimeSeconds: 6, keepAliveTimeSeconds: 7 }, 'spec.virtualRouters[0].neighbors[0].keepAliveTimeSeconds: keepAliveTimeSeconds must not be larger than holdTimeSeconds'],
    [{ peerAddress: '10.0.0.1/32', peerASN: 1, advertisedPathAttributes: [{ selectorType: 'Service' }] }, 'spec.virtualRouters[0].neighbors[0].advertisedPathAttributes[0].selectorType: selectorType must be one of PodCIDR, CiliumLoadBalancerIPPool, CiliumPodIPPool'],
  ])('refuses neighbor %j', (n, message) => {
    expect(errors(parsePeeringPolicy({ metadata: meta, spec: { virtualRouters: [{ localASN: 1, neighbors: [n] }] } }))).toContain(message);
  });
});

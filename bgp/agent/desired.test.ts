import { describe, expect, test } from 'vitest';
import type { RouteSpec } from '../speaker/index.js';
import { decide } from './desired.js';
import type { Advertisement, AdvertisementEntry, Inputs, NodeInstance, PeerConfigSpec, ServiceInfo } from './types.js';

const node = { name: 'n1', podCIDRs: ['10.1.1.0/24', 'fd00:1:1::/64'], ipv4: '192.0.2.1', ipv6: 'fd00:ffff::1' };

function svc(name: string, over: Partial<ServiceInfo> = {}): ServiceInfo {
  return {
    namespace: 'default',
    name,
    labels: { app: name },
    type: 'LoadBalancer',
    clusterIPs: ['10.96.0.10'],
    externalIPs: [],
    loadBalancerIPs: ['198.51.100.7'],
    backends: [{ nodeName: 'n2', active: true }],
    ...over,
  };
}

function adv(name: string, labels: Record<string, string>, ...entries: AdvertisementEntry[]): Advertisement {
  return { name, labels, advertisements: entries };
}

const lbEntry = (extra: Partial<AdvertisementEntry> = {}): AdvertisementEntry => ({
  advertisementType: 'Service',
  service: { addresses: ['LoadBalancerIP'] },
  selector: {},
  ...extra,
});

const instance = (over: Partial<NodeInstance> = {}): NodeInstance => ({
  name: 'i1',
  localASN: 65001,
  peers: [{ name: 'p1', peerAddress: '127.0.0.2', peerASN: 65000, localAddress: '127.0.0.1', peerConfigRef: { name: 'pc' } }],
  ...over,
});

const peerConfig: PeerConfigSpec = {
  families: [
    { afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { bgp: 'yes' } } },
    { afi: 'ipv6', safi: 'unicast', advertisements: { matchLabels: { bgp: 'yes' } } },
  ],
};

function inputs(over: Partial<Inputs> = {}): Inputs {
  return {
    node,
    instances: [instance()],
    peerConfigs: new Map([['pc', peerConfig]]),
    advertisements: [adv('a', { bgp: 'yes' }, lbEntry())],
    services: [svc('web')],
    ...over,
  };
}

function routesOf(i: Inputs): readonly RouteSpec[] {
  const d = decide(i);
  return d.instances[0]?.peers[0]?.routes ?? [];
}

describe('decide: instances and peers', () => {
  test('no NodeConfig: no instances, no errors', () => {
    expect(decide(inputs({ instances: undefined }))).toEqual({ instances: [], errors: [] });
  });

  test('peer config turns into a speaker peer with defaults filled in and a routable next hop', () => {
    const d = decide(inputs());
    expect(d.errors).toEqual([]);
    expect(d.instances).toHaveLength(1);
    expect(d.instances[0]).toMatchObject({ name: 'i1', localAsn: 65001, routerId: '192.0.2.1' });
    expect(d.instances[0]!.localPort).toBeUndefined();
    expect(d.instances[0]!.peers[0]!.config).toEqual({
      name: 'p1',
      address: '127.0.0.2',
      port: 179,
      peerAsn: 65000,
      localAddress: '127.0.0.1',
      holdTimeSeconds: 90,
      keepaliveSeconds: 30,
      connectRetrySeconds: 120,
      families: ['ipv4', 'ipv6'],
      // 127.0.0.1 is a loopback: the node's address is the next hop instead.
      nextHopIpv4: '192.0.2.1',
      nextHopIpv6: 'fd00:ffff::1',
      gracefulRestart: { enabled: false, restartTimeSeconds: 120 },
      ebgpMultihop: 1,
    });
  });

  test('timers, port, graceful restart, multihop and router ID come from the configs', () => {
    const pc: PeerConfigSpec = {
      transport: { peerPort: 1790 },
      timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 3, connectRetryTimeSeconds: 1 },
      gracefulRestart: { enabled: true, restartTimeSeconds: 30 },
      ebgpMultihop: 4,
      families: [{ afi: 'ipv4', safi: 'unicast' }],
    };
    const d = decide(inputs({ peerConfigs: new Map([['pc', pc]]), instances: [instance({ routerID: '10.0.0.9', localPort: 1791 })] }));
    expect(d.errors).toEqual([]);
    expect(d.instances[0]).toMatchObject({ routerId: '10.0.0.9', localPort: 1791 });
    expect(d.instances[0]!.peers[0]!.config).toMatchObject({
      port: 1790, holdTimeSeconds: 9, keepaliveSeconds: 3, connectRetrySeconds: 1,
      families: ['ipv4'], gracefulRestart: { enabled: true, restartTimeSeconds: 30 }, ebgpMultihop: 4,
    });
    // No advertisements selector on the family: nothing advertised.
    expect(d.instances[0]!.peers[0]!.routes).toEqual([]);
  });

  test('a routable local address is the next hop of its family', () => {
    const inst = instance({ peers: [{ name: 'p1', peerAddress: '10.0.0.2', peerASN: 65000, localAddress: '10.0.0.1' }] });
    const cfg = decide(inputs({ instances: [inst] })).instances[0]!.peers[0]!.config;
    expect(cfg).toMatchObject({ nextHopIpv4: '10.0.0.1', nextHopIpv6: 'fd00:ffff::1' });
  });

  test.each<[string, Partial<Inputs>, string]>([
    ['missing peer address', { instances: [instance({ peers: [{ name: 'p1' }] })] }, 'instance i1 peer p1: peerAddress "" is not an IP address'],
    ['bad peer address', { instances: [instance({ peers: [{ name: 'p1', peerAddress: 'router' }] })] }, 'instance i1 peer p1: peerAddress "router" is not an IP address'],
    [
      'auth secret',
      { peerConfigs: new Map([['pc', { authSecretRef: 'bgp-auth' }]]) },
      'instance i1 peer p1: authSecretRef is set but TCP MD5 authentication is not supported (Node has no TCP_MD5SIG); peer not configured',
    ],
    ['no router ID', { node: { ...node, ipv4: undefined } }, 'instance i1: no router ID (set routerID, or give the node an IPv4 InternalIP)'],
  ])('%s: peer left out with a clear error', (_name, over, error) => {
    const d = decide(inputs(over));
    expect(d.errors).toEqual([error]);
    expect(d.instances.flatMap((i) => i.peers)).toEqual([]);
  });

  test.each<[string, PeerConfigSpec | undefined, string]>([
    ['missing peer config', undefined, 'instance i1 peer p1: CiliumBGPPeerConfig pc not found; using defaults and advertising nothing'],
    ['keepalive above hold', { timers: { holdTimeSeconds: 9, keepAliveTimeSeconds: 10 } }, 'instance i1 peer p1: keepAliveTimeSeconds 10 exceeds holdTimeSeconds 9'],
    ['multicast family', { families: [{ afi: 'ipv4', safi: 'multicast' }] }, 'instance i1 peer p1: address family ipv4/multicast is not supported (ipv4/unicast, ipv6/unicast)'],
    ['bad selector', { families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { 'bad key!': 'x' } } }] }, 'advertisements selector'],
  ])('%s: reported, session still configured', (_name, pc, error) => {
    const d = decide(inputs({ peerConfigs: pc ? new Map([['pc', pc]]) : new Map() }));
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]).toContain(error);
    expect(d.instances[0]!.peers).toHaveLength(1);
  });

  test('duplicate peer names: first wins', () => {
    const p = { name: 'p1', peerAddress: '127.0.0.2', peerASN: 65000 };
    const d = decide(inputs({ instances: [instance({ peers: [p, { ...p, peerAddress: '127.0.0.3' }] })] }));
    expect(d.instances[0]!.peers.map((x) => x.config.address)).toEqual(['127.0.0.2']);
    expect(d.errors).toEqual(['instance i1: peer name p1 is used twice; the second is ignored']);
  });
});

describe('decide: routes', () => {
  test('LoadBalancer IP of a selected service is advertised as a /32', () => {
    expect(routesOf(inputs())).toEqual([{ prefix: '198.51.100.7/32' }]);
  });

  test('family selector that matches no advertisement: nothing', () => {
    expect(routesOf(inputs({ advertisements: [adv('a', { bgp: 'no' }, lbEntry())] }))).toEqual([]);
  });

  test('service selector nil selects no service; pseudo-labels select by name and namespace', () => {
    expect(routesOf(inputs({ advertisements: [adv('a', { bgp: 'yes' }, lbEntry({ selector: undefined }))] }))).toEqual([]);
    const byName = lbEntry({ selector: { matchLabels: { 'io.kubernetes.service.name': 'api', 'io.kubernetes.service.namespace': 'prod' } } });
    const services = [svc('web'), svc('api', { loadBalancerIPs: ['198.51.100.8'] }), svc('api', { namespace: 'prod', loadBalancerIPs: ['198.51.100.9'] })];
    expect(routesOf(inputs({ services, advertisements: [adv('a', { bgp: 'yes' }, byName)] }))).toEqual([{ prefix: '198.51.100.9/32' }]);
  });

  test.each<[string, Partial<ServiceInfo>, string[]]>([
    ['class unset', {}, ['198.51.100.7/32']],
    ['bgp class', { loadBalancerClass: 'io.cilium/bgp-control-plane' }, ['198.51.100.7/32']],
    ['other class', { loadBalancerClass: 'io.cilium/l2-announcer' }, []],
    ['not a LoadBalancer', { type: 'ClusterIP' }, []],
    ['no backends', { backends: [] }, []],
    ['only inactive backends', { backends: [{ nodeName: 'n1', active: false }] }, []],
    ['eTP Local without a local backend', { externalTrafficPolicy: 'Local' }, []],
    ['eTP Local with an inactive local backend', { externalTrafficPolicy: 'Local', backends: [{ nodeName: 'n1', active: false }, { nodeName: 'n2', active: true }] }, []],
    ['eTP Local with a local backend', { externalTrafficPolicy: 'Local', backends: [{ nodeName: 'n1', active: true }] }, ['198.51.100.7/32']],
    ['iTP Local does not affect LB IPs', { internalTrafficPolicy: 'Local' }, ['198.51.100.7/32']],
    ['dual stack LB', { loadBalancerIPs: ['198.51.100.7', '2001:db8::7'] }, ['198.51.100.7/32', '2001:db8::7/128']],
  ])('LoadBalancerIP: %s', (_name, over, prefixes) => {
    const r = routesOf(inputs({ services: [svc('web', over)] }));
    expect(r.map((x) => x.prefix)).toEqual(prefixes);
  });

  test.each<[string, Partial<ServiceInfo>, string[]]>([
    ['cluster IPs', { clusterIPs: ['10.96.0.10', 'fd00:96::10'] }, ['10.96.0.10/32', 'fd00:96::10/128']],
    ['headless', { clusterIPs: ['None'] }, []],
    ['iTP Local without a local backend', { internalTrafficPolicy: 'Local' }, []],
    ['iTP Local with a local backend', { internalTrafficPolicy: 'Local', backends: [{ nodeName: 'n1', active: true }] }, ['10.96.0.10/32']],
    ['eTP Local does not affect cluster IPs', { externalTrafficPolicy: 'Local' }, ['10.96.0.10/32']],
  ])('ClusterIP: %s', (_name, over, prefixes) => {
    const entry = lbEntry({ service: { addresses: ['ClusterIP'] } });
    const r = routesOf(inputs({ services: [svc('web', { type: 'ClusterIP', ...over })], advertisements: [adv('a', { bgp: 'yes' }, entry)] }));
    expect(r.map((x) => x.prefix)).toEqual(prefixes);
  });

  test.each<[string, Partial<ServiceInfo>, string[]]>([
    ['external IPs', { externalIPs: ['203.0.113.5'] }, ['203.0.113.5/32']],
    ['eTP Local without a local backend', { externalIPs: ['203.0.113.5'], externalTrafficPolicy: 'Local' }, []],
  ])('ExternalIP: %s', (_name, over, prefixes) => {
    const entry = lbEntry({ service: { addresses: ['ExternalIP'] } });
    const r = routesOf(inputs({ services: [svc('web', over)], advertisements: [adv('a', { bgp: 'yes' }, entry)] }));
    expect(r.map((x) => x.prefix)).toEqual(prefixes);
  });

  test('aggregation lengths shorten prefixes, except under a Local policy', () => {
    const entry = lbEntry({ service: { addresses: ['LoadBalancerIP'], aggregationLengthIPv4: 24, aggregationLengthIPv6: 64 } });
    const services = [
      svc('a', { loadBalancerIPs: ['198.51.100.7', '2001:db8::7'] }),
      svc('b', { loadBalancerIPs: ['198.51.100.8'] }),
      svc('c', { loadBalancerIPs: ['203.0.113.9'], externalTrafficPolicy: 'Local', backends: [{ nodeName: 'n1', active: true }] }),
    ];
    const r = routesOf(inputs({ services, advertisements: [adv('a', { bgp: 'yes' }, entry)] }));
    // Routes come per family: the IPv4 family's, then the IPv6 family's.
    expect(r.map((x) => x.prefix)).toEqual(['198.51.100.0/24', '203.0.113.9/32', '2001:db8::/64']);
  });

  test('PodCIDR advertises the node pod CIDRs of each family', () => {
    const r = routesOf(inputs({ advertisements: [adv('p', { bgp: 'yes' }, { advertisementType: 'PodCIDR' })] }));
    expect(r).toEqual([{ prefix: '10.1.1.0/24' }, { prefix: 'fd00:1:1::/64' }]);
  });

  test('overlapping matches: communities unioned, highest local preference wins (iBGP)', () => {
    const a = adv('a', { bgp: 'yes' }, lbEntry({ attributes: { communities: { standard: ['65000:99'], large: ['65000:1:1'] }, localPreference: 150 } }));
    const b = adv('b', { bgp: 'yes' }, lbEntry({ attributes: { communities: { standard: ['65000:99', '4259840100'], wellKnown: ['no-export'] }, localPreference: 200 } }));
    const c = adv('c', { bgp: 'yes' }, lbEntry({ attributes: { communities: { large: ['65000:2:2'] }, localPreference: 120 } }));
    const ibgp = instance({ peers: [{ name: 'p1', peerAddress: '127.0.0.2', peerASN: 65001, peerConfigRef: { name: 'pc' } }] });
    const r = routesOf(inputs({ instances: [ibgp], advertisements: [a, b, c] }));
    expect(r).toEqual([
      { prefix: '198.51.100.7/32', communities: ['65000:100', '65000:99', 'no-export'], largeCommunities: ['65000:1:1', '65000:2:2'], localPref: 200 },
    ]);
  });

  test('local preference is dropped for eBGP peers', () => {
    const a = adv('a', { bgp: 'yes' }, lbEntry({ attributes: { localPreference: 150 } }));
    expect(routesOf(inputs({ advertisements: [a] }))).toEqual([{ prefix: '198.51.100.7/32' }]);
  });

  test('bad communities and unknown types are reported; valid parts still advertised', () => {
    const a = adv('a', { bgp: 'yes' }, lbEntry({ attributes: { communities: { standard: ['65000:99', '70000:1'], large: ['1:2'] } } }), { advertisementType: 'Bogus' });
    const d = decide(inputs({ advertisements: [a] }));
    expect(d.instances[0]!.peers[0]!.routes).toEqual([{ prefix: '198.51.100.7/32', communities: ['65000:99'] }]);
    expect(d.errors).toEqual([
      'instance i1 peer p1: advertisement a: community "70000:1" is not N, a:b or a well-known name',
      'instance i1 peer p1: advertisement a: large community "1:2" is not a:b:c',
      'instance i1 peer p1: advertisement a: unknown advertisementType "Bogus"',
    ]);
  });

  test('per peer: each peer gets the routes its own families select', () => {
    const pcV4Only: PeerConfigSpec = { families: [{ afi: 'ipv4', safi: 'unicast', advertisements: { matchLabels: { bgp: 'yes' } } }] };
    const inst = instance({
      peers: [
        { name: 'p1', peerAddress: '127.0.0.2', peerASN: 65000, peerConfigRef: { name: 'pc' } },
        { name: 'p2', peerAddress: '127.0.0.3', peerASN: 65000, peerConfigRef: { name: 'v4' } },
      ],
    });
    const services = [svc('web', { loadBalancerIPs: ['198.51.100.7', '2001:db8::7'] })];
    const d = decide(inputs({ instances: [inst], services, peerConfigs: new Map([['pc', peerConfig], ['v4', pcV4Only]]) }));
    expect(d.instances[0]!.peers.map((p) => [p.config.name, p.routes.map((r) => r.prefix)])).toEqual([
      ['p1', ['198.51.100.7/32', '2001:db8::7/128']],
      ['p2', ['198.51.100.7/32']],
    ]);
  });
});

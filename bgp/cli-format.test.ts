import { describe, expect, test } from 'vitest';
import { formatPeers, formatRoutes, goDuration, type PeerJson, type RouteJson } from './cli-format.js';

const S = 1e9;

describe('goDuration', () => {
  test.each([
    [0, '0s'],
    [0.4 * S, '0s'],
    [45 * S, '45s'],
    [(33 * 60 + 26) * S, '33m26s'],
    [3600 * S, '1h0m0s'],
    [(26 * 3600 + 5) * S, '26h0m5s'],
  ])('%d ns → %s', (ns, want) => expect(goDuration(ns)).toBe(want));
});

const peer = (over: Partial<PeerJson>): PeerJson => ({
  'node-name': 'n1',
  'local-asn': 65001,
  'peer-asn': 65000,
  'peer-address': 'fd00:10::1',
  'session-state': 'established',
  'uptime-nanoseconds': (33 * 60 + 26) * S,
  families: [
    { afi: 'ipv4', safi: 'unicast', received: 2, advertised: 2 },
    { afi: 'ipv6', safi: 'unicast', received: 2, advertised: 2 },
  ],
  ...over,
});

describe('formatPeers', () => {
  test('the reference table', () => {
    expect(formatPeers([peer({})])).toBe(
      [
        'Node   Local AS   Peer AS   Peer Address   Session State   Uptime   Family         Received   Advertised',
        'n1     65001      65000     fd00:10::1     established     33m26s   ipv4/unicast   2          2',
        '                                                                    ipv6/unicast   2          2',
        '',
      ].join('\n'),
    );
  });

  test('several nodes and peers, sorted; a peer that is not up', () => {
    const out = formatPeers([
      peer({ 'node-name': 'n2', 'peer-address': '127.0.0.2', families: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 1 }] }),
      peer({ 'peer-address': '127.0.0.3', 'session-state': 'active', 'uptime-nanoseconds': 0, families: [{ afi: 'ipv4', safi: 'unicast', received: 0, advertised: 0 }] }),
    ]);
    expect(out).toBe(
      [
        'Node   Local AS   Peer AS   Peer Address   Session State   Uptime   Family         Received   Advertised',
        'n1     65001      65000     127.0.0.3      active          0s       ipv4/unicast   0          0',
        'n2     65001      65000     127.0.0.2      established     33m26s   ipv4/unicast   0          1',
        '',
      ].join('\n'),
    );
  });
});

const route = (over: Partial<RouteJson>): RouteJson => ({
  'node-name': 'n1',
  'router-asn': 65001,
  neighbor: '10.0.0.2',
  prefix: '198.51.100.7/32',
  'age-nanoseconds': 95 * S,
  attributes: { origin: 'i', 'as-path': [65001], 'next-hop': '10.0.0.1', communities: ['65000:99'] },
  ...over,
});

describe('formatRoutes', () => {
  test('advertised, with the peer column and GoBGP-style attributes', () => {
    const ibgp = route({
      neighbor: '10.0.0.3',
      prefix: '198.51.100.8/32',
      attributes: { origin: 'i', 'as-path': [], 'next-hop': '10.0.0.1', 'local-pref': 200, communities: ['65000:99', 'no-export'], 'large-communities': ['65000:1:1'] },
    });
    expect(formatRoutes([route({}), ibgp], 'advertised')).toBe(
      [
        'Node   VRouter   Peer       Prefix            NextHop    Age     Attrs',
        'n1     65001     10.0.0.2   198.51.100.7/32   10.0.0.1   1m35s   [{Origin: i} {AsPath: 65001} {Nexthop: 10.0.0.1} {Communities: 65000:99}]',
        'n1     65001     10.0.0.3   198.51.100.8/32   10.0.0.1   1m35s   [{Origin: i} {AsPath: } {Nexthop: 10.0.0.1} {LocalPref: 200} {Communities: 65000:99, no-export} {LargeCommunity: [ 65000:1:1]}]',
        '',
      ].join('\n'),
    );
  });

  test('available drops the peer column', () => {
    const r = route({ neighbor: undefined, attributes: { origin: 'i', 'as-path': [], 'next-hop': '0.0.0.0' } });
    expect(formatRoutes([r], 'available')).toBe(
      [
        'Node   VRouter   Prefix            NextHop   Age     Attrs',
        'n1     65001     198.51.100.7/32   0.0.0.0   1m35s   [{Origin: i} {AsPath: } {Nexthop: 0.0.0.0}]',
        '',
      ].join('\n'),
    );
  });

  test('no routes: header only', () => {
    expect(formatRoutes([], 'available')).toBe('Node   VRouter   Prefix   NextHop   Age   Attrs\n');
  });
});

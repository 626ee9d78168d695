import { describe, expect, test } from 'vitest';
import { ServiceFlag, ServiceFlag2 } from './layouts/constants.js';
import { lb4, lb6 } from './layouts/lb.js';
import { formatLbList, serviceFlagsText } from './lb-list.js';
import { keyHex, type MapContents } from './maps.js';

type Svc = { address: string; port: number; slot: number; backendId: number; count: number; revNat: number; flags?: number; flags2?: number; proto?: number };

function maps(family: 4 | 6, services: Svc[], backends: [number, string, number][]): MapContents {
  const c = family === 4 ? lb4 : lb6;
  return new Map([
    [
      `cilium_lb${family}_services_v2`,
      new Map(
        services.map((s) => [
          keyHex(c.serviceKey.encode({ address: s.address, port: s.port, proto: s.proto ?? 6, scope: 0, slot: s.slot })),
          c.serviceValue.encode({ backendId: s.backendId, count: s.count, revNatIndex: s.revNat, flags: s.flags ?? 0, flags2: s.flags2 ?? 0, qcount: 0 }),
        ]),
      ),
    ],
    [
      `cilium_lb${family}_backends_v3`,
      new Map(backends.map(([id, address, port]) => [keyHex(c.backendKey.encode(id)), c.backendValue.encode({ address, port, proto: 6, flags: 0, clusterId: 0, zone: 0 })])),
    ],
  ]);
}

describe('bpf lb list', () => {
  // Same rows as the reference; the column is 17 + 3 wide by tabwriter's rule (the reference
  // snippet is cut from a longer listing whose widest address made it one space wider).
  test('prints the reference example', () => {
    const contents = maps(
      4,
      [
        { address: '10.43.144.23', port: 9080, slot: 0, backendId: 0, count: 2, revNat: 8 },
        { address: '10.43.144.23', port: 9080, slot: 2, backendId: 12, count: 0, revNat: 8 },
        { address: '10.43.144.23', port: 9080, slot: 1, backendId: 11, count: 0, revNat: 8 },
      ],
      [
        [11, '10.42.0.231', 9080],
        [12, '10.42.0.252', 9080],
      ],
    );
    expect(formatLbList(contents)).toBe(
      [
        'SERVICE ADDRESS     BACKEND ADDRESS (REVNAT_ID) (SLOT)',
        '10.43.144.23:9080   10.42.0.231:9080 (8) (1)',
        '                    10.42.0.252:9080 (8) (2)',
        '                    0.0.0.0:0 (8) (0) [ClusterIP, non-routable]',
        '',
      ].join('\n'),
    );
  });

  test('IPv6, sorting, missing backends, protocols', () => {
    const v6 = maps(
      6,
      [
        { address: 'fd00::10', port: 443, slot: 0, backendId: 0, count: 1, revNat: 3, flags: ServiceFlag.LoadBalancer | ServiceFlag.Routable },
        { address: 'fd00::10', port: 443, slot: 1, backendId: 4, count: 0, revNat: 3 },
        { address: 'fd00::2', port: 80, slot: 1, backendId: 99, count: 0, revNat: 2, proto: 17 },
      ],
      [[4, 'fd10::4', 8443]],
    );
    expect(formatLbList(v6, { protocols: true })).toBe(
      [
        'SERVICE ADDRESS      BACKEND ADDRESS (REVNAT_ID) (SLOT)',
        '[fd00::2]:80/UDP     backend 99 not found',
        '[fd00::10]:443/TCP   [fd10::4]:8443/TCP (3) (1)',
        '                     [::]:0 (3) (0) [LoadBalancer]',
        '',
      ].join('\n'),
    );
  });

  test('empty maps print the header only', () => {
    expect(formatLbList(new Map())).toBe('SERVICE ADDRESS   BACKEND ADDRESS (REVNAT_ID) (SLOT)\n');
  });

  test.each([
    [0, 0, 'ClusterIP, non-routable'],
    [ServiceFlag.NodePort | ServiceFlag.Routable, 0, 'NodePort'],
    [ServiceFlag.ExternalIP | ServiceFlag.Routable | ServiceFlag.ExtLocalScope, 0, 'ExternalIPs, Local'],
    [ServiceFlag.LoadBalancer | ServiceFlag.Routable | ServiceFlag.Affinity | ServiceFlag.SourceRange, 0, 'LoadBalancer, sessionAffinity, check source-range'],
    [ServiceFlag.HostPort | ServiceFlag.Routable, ServiceFlag2.Loopback, 'HostPort, loopback'],
    [ServiceFlag.Routable, ServiceFlag2.LocalRedirect, 'LocalRedirect'],
    [ServiceFlag.Routable, ServiceFlag2.IntLocalScope | ServiceFlag2.TwoScopes | ServiceFlag2.Nat46x64, 'ClusterIP, InternalLocal, two-scopes, 46x64'],
    [ServiceFlag.Routable, ServiceFlag2.L7LoadBalancer | ServiceFlag2.Loopback, 'ClusterIP, l7-load-balancer, delegate-if-local'],
  ])('flags %i/%i print as "%s"', (flags, flags2, text) => {
    expect(serviceFlagsText(flags, flags2)).toBe(text);
  });
});

test('an L7 load-balanced frontend shows its proxy port (network order in backend_id)', () => {
  const contents = maps(4, [{ address: '10.96.0.1', port: 80, slot: 0, backendId: 0x9a3c, count: 0, revNat: 1, flags: ServiceFlag.Routable, flags2: ServiceFlag2.L7LoadBalancer }], []);
  expect(formatLbList(contents).split('\n')[1]).toBe('10.96.0.1:80      0.0.0.0:0 (1) (0) [ClusterIP, l7-load-balancer] (L7LB Proxy Port: 15514)');
});
